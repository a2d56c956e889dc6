#pragma once
// The mmkd command line: run, validate, list, describe, probe.
namespace mmkd {

// Exit codes: 0 success; 1 a failure during a run; 2 bad input (config, options, files,
// plugins), nothing trained; 3 the loss diverged; 128+N stopped by signal N.
int cli_main(int argc, char** argv);

}  // namespace mmkd
