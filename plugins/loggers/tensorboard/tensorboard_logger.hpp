#pragma once
// Logger `tensorboard`: TensorBoard event files with the logged metrics as scalars and the
// resolved config as text, written by rank 0.
#include "event_writer.hpp"

#include <mmkd/mmkd.hpp>

#include <optional>

namespace mmkd::tensorboard {

class TensorboardLogger : public Logger {
 public:
  static ComponentInfo info();
  TensorboardLogger(const Options& options, const Context& context);

  void log(int64_t step, const std::map<std::string, double>& metrics) override;
  void finish(bool success) override;

 private:
  std::optional<EventWriter> writer_;  // none on other ranks, and once finished
};

}  // namespace mmkd::tensorboard
