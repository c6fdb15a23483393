export { CaptureIndex, IpInfo, indexCapture, type IndexOptions } from './capture-index';
export { Ipv6Table } from './addresses';
