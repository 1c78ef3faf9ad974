# node-gyp entry point; the target lives in native/addon.gypi (also used out of tree by build:gyp).
{
  'includes': ['native/addon.gypi'],
}
