{
  "targets": [
    {
      "target_name": "berth_native",
      "sources": ["src/native/berth_native.cc"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "berth-crun-launcher",
      "type": "executable",
      "sources": ["src/runtime/crun-launcher.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
