# Copied to build-gyp/ by `npm run build:gyp`: node-gyp always builds into ./build, so running it
# from build-gyp/ keeps its output (build-gyp/build/Release) apart from cmake-js's build/.
{
  'includes': ['../native/addon.gypi'],
}
