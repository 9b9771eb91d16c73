{
  "targets": [
    {
      "target_name": "moe_native",
      "sources": [
        "cc/addon.cc",
        "cc/buffer.cc",
        "cc/context.cc",
        "cc/driver.cc",
        "cc/event.cc",
        "cc/function.cc",
        "cc/graph.cc",
        "cc/module.cc",
        "cc/state.cc",
        "cc/stream.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldl"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17"
      }
    }
  ]
}
