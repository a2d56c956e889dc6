#pragma once
// Errors with the place in a config file they concern.
#include <stdexcept>
#include <string>
#include <vector>

namespace mmkd {

struct SourceLocation {
  std::string file;  // config file, "<command line>", or empty when unknown
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string to_string() const;  // "exp.yaml:12:5", "exp.yaml", "<unknown>"
};

struct Diagnostic {
  SourceLocation where;
  std::string key;      // dotted key path, e.g. "model.image.dim"
  std::string message;  // what is wrong and what was expected
  std::string to_string() const;  // "exp.yaml:12:5: model.image.dim: expected an integer, got 'abc'"
};

// Bad user input: a config, an option, a file. The CLI prints every diagnostic and exits with 2.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  ConfigError(SourceLocation where, std::string key, std::string message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// A failure that is not the user's input (plugin loading, I/O, a diverged run).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The closest candidate by edit distance, or "" when none is close enough for a suggestion.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// A data file that is not what its reader expects (a corrupt image, a malformed index or GLUE
// line, a truncated shard); the message names the file and where in it. Bad input like a
// config: the CLI exits with 2 wherever a run meets it.
class DataError : public Error {
 public:
  using Error::Error;
};

}  // namespace mmkd
