// Types for simple-peer's self-contained browser bundle (the package's own build, with its Node polyfills inside).
declare module "simple-peer/simplepeer.min.js" {
  import SimplePeer from "simple-peer";
  export default SimplePeer;
}
