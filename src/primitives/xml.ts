/** XML codec: decoder (saxes) and our own writer. */
export { decodeXml, decodeXmlText, M2M_NAMESPACE } from './xml-decode.js';
export { encodeXml } from './xml-encode.js';
