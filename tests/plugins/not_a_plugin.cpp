// A shared library without the plugin entry points: the loader must refuse it.
extern "C" int some_function() {
  return 1;
}
