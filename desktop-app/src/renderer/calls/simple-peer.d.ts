/** The parts of simple-peer 9.11's browser build (UMD) that Circle uses. */
declare module 'simple-peer/simplepeer.min.js' {
  export interface SimplePeerOptions {
    initiator?: boolean;
    stream?: MediaStream;
    config?: RTCConfiguration;
    trickle?: boolean;
  }
  export interface SimplePeerInstance {
    _pc: RTCPeerConnection;
    destroyed: boolean;
    signal(data: unknown): void;
    addTrack(track: MediaStreamTrack, stream: MediaStream): void;
    removeTrack(track: MediaStreamTrack, stream: MediaStream): void;
    replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void;
    negotiate(): void;
    destroy(err?: Error): void;
    on(event: 'signal', fn: (data: unknown) => void): this;
    on(event: 'stream', fn: (stream: MediaStream) => void): this;
    on(event: 'track', fn: (track: MediaStreamTrack, stream: MediaStream) => void): this;
    on(event: 'connect' | 'close', fn: () => void): this;
    on(event: 'error', fn: (err: Error) => void): this;
    on(event: 'iceStateChange', fn: (state: RTCIceConnectionState) => void): this;
  }
  const SimplePeer: new (opts?: SimplePeerOptions) => SimplePeerInstance;
  export default SimplePeer;
}
