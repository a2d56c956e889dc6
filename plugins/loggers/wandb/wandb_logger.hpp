#pragma once
// Logger `wandb`: the run's metrics to Weights & Biases through its HTTP API, from a
// background thread, with every row kept in RUN_DIR/wandb until the server has it.
#include <mmkd_wandb/uploader.hpp>

#include <mmkd/mmkd.hpp>

#include <memory>

namespace mmkd::wandb {

class WandbLogger : public Logger {
 public:
  static ComponentInfo info();
  WandbLogger(const Options& options, const Context& context);
  ~WandbLogger() override;

  void log(int64_t step, const std::map<std::string, double>& metrics) override;
  void finish(bool success) override;

 private:
  void end(int exitcode);

  std::string run_dir_;
  double finish_timeout_seconds_;
  std::unique_ptr<Uploader> uploader_;  // none with WANDB_MODE=disabled, and once finished
};

}  // namespace mmkd::wandb
