// The workspace's parts other screens show mail with (the supervisor's
// email viewer): the sandboxed body frame, the same as on the desk.
export { MessageFrame } from './message-frame.tsx';
