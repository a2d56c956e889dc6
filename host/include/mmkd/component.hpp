#pragma once
// The kinds of components a plugin can provide, and how each describes itself.
#include <mmkd/checkpoint_layout.hpp>
#include <mmkd/context.hpp>
#include <mmkd/options.hpp>
#include <mmkd/tensor_map.hpp>

#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mmkd {

enum class Kind { Dataset, Teacher, Encoder, Loss, Evaluator, Logger };
const char* kind_name(Kind kind);  // "dataset", "teacher", "encoder", "loss", "evaluator", "logger"
std::vector<Kind> all_kinds();

// A named tensor a component reads ("inputs:" in its config) or writes (under its node name).
struct Port {
  std::string name;
  std::string doc;
  bool optional = false;           // an input that may be left unconnected; a loss metric written only in some configurations
  std::string default_source;      // inputs only: tensor read when the config names none, e.g. "batch.image"
};

// Everything the host needs to check, document and create a component; returned by the
// component class' static `info()`.
struct ComponentInfo {
  using OutputsFn = std::function<std::vector<Port>(const Options&)>;

  ComponentInfo(std::string type, std::string doc);

  template <class T>
  ComponentInfo& option(std::string name, const T& default_value, std::string doc, Constraint c = {}) {
    options.push_back({std::move(name), detail::option_type_of<T>(), detail::to_option_value(default_value),
                       std::move(doc), std::move(c)});
    return *this;
  }
  template <class T>
  ComponentInfo& required_option(std::string name, std::string doc, Constraint c = {}) {
    options.push_back({std::move(name), detail::option_type_of<T>(), std::nullopt, std::move(doc), std::move(c)});
    return *this;
  }
  // A new default for an option declared earlier (e.g. by a shared declare function); throws
  // std::logic_error when there is none of that name.
  ComponentInfo& set_default(const std::string& name, OptionValue value);
  ComponentInfo& input(std::string name, std::string doc, std::string default_source = "");
  ComponentInfo& optional_input(std::string name, std::string doc);
  ComponentInfo& output(std::string name, std::string doc);
  // A loss metric written only in some configurations (e.g. only when a text input is given).
  ComponentInfo& optional_output(std::string name, std::string doc);
  // Outputs that depend on the options (e.g. one per layer); replaces the static list.
  ComponentInfo& outputs_from(OutputsFn fn);

  std::vector<Port> outputs_for(const Options& options) const;

  std::string type;
  std::string doc;
  std::vector<OptionSpec> options;
  std::vector<Port> inputs;
  // Encoders/teachers/datasets: tensors; losses/evaluators: metric names. The host checks that a
  // loss writes every declared metric (but optional ones) and no other.
  std::vector<Port> outputs;
  OutputsFn dynamic_outputs;
};

// Encoders and teachers: named tensors in (by input port), named tensors out (by output
// port). Parameters and buffers (register_buffer) are saved in checkpoints; state that is
// neither goes through extra_state/load_extra_state.
class Module : public torch::nn::Module {
 public:
  virtual TensorMap forward(const TensorMap& inputs) = 0;
  virtual TensorMap extra_state() const { return {}; }
  virtual void load_extra_state(const TensorMap& /*state*/) {}
  // Key names `mmkd export` writes this module under (e.g. Hugging Face's); none = not exported.
  virtual CheckpointLayout export_layout() const { return {}; }
};

class Encoder : public Module {};

// Run frozen, in eval mode and without autograd.
class Teacher : public Module {};

struct LossOutput {
  torch::Tensor loss;                            // scalar, unweighted
  std::map<std::string, torch::Tensor> metrics;  // scalars, e.g. "i2t_acc"; logged as <loss>.<metric>
};

// A loss may own parameters (a learnable temperature) and buffers (a memory bank).
class Loss : public torch::nn::Module {
 public:
  virtual LossOutput compute(const TensorMap& inputs) = 0;
  // Tensors the loss' own head computes for evaluators, from inputs named by its input ports
  // (e.g. ITM's `match_score` of given pairs, VQ's `codes`). Default: throws mmkd::Error.
  virtual TensorMap evaluate(const TensorMap& inputs);
  virtual TensorMap extra_state() const { return {}; }
  virtual void load_extra_state(const TensorMap& /*state*/) {}
};

// Samples of equal shapes, stacked into batches by the host.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Sample `index`; `seed` is fixed by (experiment seed, epoch, index) so augmentation is
  // reproducible and a resumed run sees the same data. Called from several loader threads at
  // once: it must be safe to call concurrently.
  virtual TensorMap get(int64_t index, uint64_t seed) const = 0;
  // Running totals worth reporting, e.g. {"skipped_images": 3}: logged at every epoch end as
  // data.<split>.<name>.
  virtual std::map<std::string, int64_t> counters() const { return {}; }
  // For data stored in shards (tar files): the number of samples of each shard, in index
  // order. A shuffled epoch then visits the shards in a random order and shuffles samples
  // within a shard only, so that reads stay sequential. Empty: shuffle across everything.
  virtual std::vector<int64_t> shard_sizes() const { return {}; }
};

// What an evaluator may run itself besides reading its inputs, without autograd.
class EvalModels {
 public:
  virtual ~EvalModels() = default;
  // Runs, in order, every model node whose inputs are all in `tensors` and adds its outputs:
  // given only `batch.text_ids` and `batch.text_mask`, only the text branch runs.
  virtual void run_model(TensorMap& tensors) const = 0;
  // Loss::evaluate of the loss node named `loss`.
  virtual TensorMap evaluate_loss(const std::string& loss, const TensorMap& inputs) const = 0;
};

// One column of a results table: its heading, top level first ({"Image → Text", "R@1"}),
// and the formatted value.
struct TableCell {
  std::vector<std::string> heading;
  std::string value;
};

// Accumulates tensors over a validation pass, then reports metrics.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual void reset() = 0;
  virtual void add(const TensorMap& inputs, const EvalModels& models) = 0;
  virtual std::map<std::string, double> compute(const EvalModels& models) = 0;
  // The columns these metrics take in a results table (a thesis table's layout). Default: one
  // column per metric, headed by its name, 4 decimals.
  virtual std::vector<TableCell> table(const std::map<std::string, double>& metrics) const;
};

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(int64_t step, const std::map<std::string, double>& metrics) = 0;
  virtual void finish(bool /*success*/) {}
};

template <class T>
constexpr Kind kind_of() {
  if constexpr (std::is_base_of_v<Dataset, T>) return Kind::Dataset;
  else if constexpr (std::is_base_of_v<Teacher, T>) return Kind::Teacher;
  else if constexpr (std::is_base_of_v<Encoder, T>) return Kind::Encoder;
  else if constexpr (std::is_base_of_v<Loss, T>) return Kind::Loss;
  else if constexpr (std::is_base_of_v<Evaluator, T>) return Kind::Evaluator;
  else {
    static_assert(std::is_base_of_v<Logger, T>, "a component derives from an mmkd kind base class");
    return Kind::Logger;
  }
}

template <Kind K> struct KindBase;
template <> struct KindBase<Kind::Dataset> { using type = Dataset; };
template <> struct KindBase<Kind::Teacher> { using type = Teacher; };
template <> struct KindBase<Kind::Encoder> { using type = Encoder; };
template <> struct KindBase<Kind::Loss> { using type = Loss; };
template <> struct KindBase<Kind::Evaluator> { using type = Evaluator; };
template <> struct KindBase<Kind::Logger> { using type = Logger; };

}  // namespace mmkd
