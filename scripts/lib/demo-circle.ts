/** The demo circle `npm start` makes on first run. */
export const DEMO_NAMES = ['Alice', 'Bob', 'Carol', 'Dave'];
