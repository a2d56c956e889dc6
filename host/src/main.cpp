#include "cli/cli.hpp"
int main(int argc, char** argv) { return mmkd::cli_main(argc, argv); }
