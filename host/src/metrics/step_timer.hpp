#pragma once
// Where a training step's time goes: waiting for data, teacher forward, student
// forward (model and losses), backward, optimizer. On CUDA each phase ends with a device
// synchronisation, so the breakdown is opt-in (`trainer.time_phases`); the wait for data is
// host time and always measured.
#include <torch/types.h>

#include <chrono>
#include <map>
#include <string>

namespace mmkd {

inline constexpr const char* kDataPhase = "data";

class StepTimer {
 public:
  StepTimer(bool enabled, torch::Device device) : enabled_(enabled), device_(device) {}
  bool enabled() const { return enabled_; }
  void start();                          // begins the next phase's clock
  void stop(const std::string& phase);   // adds the time since start() to `phase`
  // "time.<phase>": seconds per step over the steps since the last call; then starts over.
  std::map<std::string, double> per_step(int64_t steps);

 private:
  bool enabled_;
  torch::Device device_;
  std::chrono::steady_clock::time_point started_;
  std::map<std::string, double> seconds_;
};

}  // namespace mmkd
