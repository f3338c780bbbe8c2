// Worker for the MessagePort limits (row 1). It receives a MessagePort and
// answers every message on it:
//   { echo: ArrayBuffer }  -> the same buffer back, transferred (a round trip)
//   { frame: ArrayBuffer } -> { ack: n } (the receiver's acknowledgement of a pipelined frame)
import { parentPort } from 'node:worker_threads';

parentPort.once('message', ({ port }) => {
  let acked = 0;
  port.on('message', (m) => {
    if (m.echo) port.postMessage({ echo: m.echo }, [m.echo]);
    else if (m.frame) port.postMessage({ ack: ++acked });
    else if (m.stop) port.close();
  });
  parentPort.postMessage('ready');
});
