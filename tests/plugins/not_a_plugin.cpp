// A shared library that is not an mmkd plugin: it exports no descriptor.
extern "C" __attribute__((visibility("default"))) int not_a_plugin_answer() { return 42; }
