#pragma once
// Checkpoint files: everything needed to continue a run bit-exactly, written atomically.
#include <mmkd/tensor_map.hpp>

#include <torch/optim/optimizer.h>

#include <optional>
#include <string>
#include <vector>

namespace mmkd {

struct TrainingPosition {
  int64_t step = 0;            // optimizer steps done
  int64_t epoch = 0;           // epoch of the next batch
  int64_t batch_in_epoch = 0;  // index of the next batch in that epoch
};

struct Checkpoint {
  TrainingPosition position;
  TensorMap modules;     // Graph::state()
  TensorMap extra;       // Graph::extra_state()
  TensorMap rng;         // "cpu", "cuda.N"
  double loss_scale = 1.0;
  std::string config_yaml;
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint, torch::optim::Optimizer& optimizer);
// Restores the optimizer state in place; throws mmkd::Error naming the file when unreadable.
Checkpoint load_checkpoint(const std::string& path, torch::optim::Optimizer& optimizer);
// Only the module tensors (Graph::state()) of a checkpoint file.
TensorMap load_checkpoint_modules(const std::string& path);

// The checkpoints/ folder of a run: step_00000120.pt files.
class CheckpointFolder {
 public:
  explicit CheckpointFolder(std::string folder) : folder_(std::move(folder)) {}
  std::string path_for(int64_t step) const;
  std::vector<std::string> list() const;  // oldest first
  std::optional<std::string> latest() const;
  void keep_newest(size_t count) const;  // removes older ones

 private:
  std::string folder_;
};

// The newest checkpoint of `folder` that can be read into `optimizer` and its path, with an
// "<path> cannot be read: why" line for each newer one that could not; Error naming every
// checkpoint and why when none can.
struct ReadableCheckpoint {
  std::string path;
  Checkpoint checkpoint;
  std::vector<std::string> unreadable;
};
ReadableCheckpoint load_newest_readable_checkpoint(const CheckpointFolder& folder, torch::optim::Optimizer& optimizer);

// State of libtorch's default generators (CPU and each CUDA device).
TensorMap rng_state();
void set_rng_state(const TensorMap& state);

}  // namespace mmkd
