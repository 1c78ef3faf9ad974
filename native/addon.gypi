# The addon as a gyp target, shared by /binding.gyp (node-gyp in place) and by
# native/gyp/binding.gyp (`npm run build:gyp`, out of tree in build-gyp/). Same sources and flags as
# CMakeLists.txt. Commands resolve the repository root through node's module lookup, which works
# from either working directory.
{
  'variables': {
    'repo_root': '<!(node -p "require(\'path\').resolve(require.resolve(\'node-addon-api/package.json\'), \'../../..\')")',
    'addon_api_dir': '<!(node -p "require(\'path\').dirname(require.resolve(\'node-addon-api/package.json\'))")',
    'srtp_openssl': '<!(node -p "+require(\'fs\').existsSync(require(\'path\').resolve(require.resolve(\'node-addon-api/package.json\'), \'../../../.deps/libsrtp/lib/libsrtp2.a\'))")',
    'bzrtp_version': '<!(pkg-config --modversion libbzrtp)',
  },
  'targets': [
    {
      'target_name': 'b2bua_native',
      # Relative to this file (gyp rebases them for each includer). Keep in step with native/src.
      'sources': [
        'src/addon.cc',
        'src/js/engine_wrap.cc',
        'src/js/srtp_context.cc',
        'src/engine/bridge.cc',
        'src/engine/leg_crypto.cc',
        'src/engine/media_engine.cc',
        'src/engine/media_types.cc',
        'src/engine/worker.cc',
        'src/net/endpoint.cc',
        'src/net/port_allocator.cc',
        'src/net/port_pool.cc',
        'src/net/udp_socket.cc',
        'src/rtp/receive_stats.cc',
        'src/crypto/hmac_sha1.cc',
        'src/crypto/srtp_session.cc',
        'src/crypto/suites.cc',
        'src/crypto/versions.cc',
        'src/secure/dtls_identity.cc',
        'src/secure/dtls_session.cc',
        'src/secure/stun.cc',
        'src/secure/zrtp_channel.cc',
      ],
      'include_dirs': ['src', '<(addon_api_dir)'],
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED',
                  'B2BUA_BZRTP_VERSION="<(bzrtp_version)"'],
      'cflags_cc': ['-std=c++17', '-fexceptions', '-fvisibility=hidden', '-O3'],
      'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17'],
      'ldflags': ['-Wl,--exclude-libs,ALL', '-Wl,-Bsymbolic'],
      'conditions': [
        ['srtp_openssl==1', {
          'include_dirs': ['../.deps/libsrtp/include'],
          'defines': ['B2BUA_SRTP_BACKEND_OPENSSL'],
          'libraries': ['<(repo_root)/.deps/libsrtp/lib/libsrtp2.a'],
        }, {
          'defines': ['B2BUA_SRTP_BACKEND_NSS'],
          'libraries': ['<!@(pkg-config --libs libsrtp2)'],
        }],
      ],
      'libraries': [
        '<!@(node -p "require(\'child_process\').execSync(\'pkg-config --variable=libdir openssl\').toString().trim() + \'/libssl.a\'")',
        '<!@(node -p "require(\'child_process\').execSync(\'pkg-config --variable=libdir openssl\').toString().trim() + \'/libcrypto.a\'")',
        '<!@(pkg-config --libs libbzrtp bctoolbox)',
        '-ldl', '-lpthread',
      ],
    },
  ],
}
