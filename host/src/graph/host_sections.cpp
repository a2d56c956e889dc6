#include "graph/host_sections.hpp"

namespace mmkd {

const std::vector<OptionSpec>& optimizer_options() {
  static const auto specs = ComponentInfo("optimizer", "AdamW")
                                .option("lr", 1e-3, "peak learning rate", positive())
                                .option("betas", std::vector<double>{0.9, 0.999}, "AdamW betas", range(0, 1))
                                .option("lr_reference_batch", int64_t{0},
                                        "linear scaling rule: the peak learning rate is lr x (batch_size x accumulate "
                                        "x ranks) / lr_reference_batch, as the thesis' code ran (256); 0 = lr as written",
                                        at_least(0))
                                .option("eps", 1e-8, "AdamW epsilon", positive())
                                .option("weight_decay", 0.01,
                                        "decoupled weight decay; biases, norms and embeddings get none", at_least(0))
                                .option("layer_decay", 1.0,
                                        "layer-wise learning-rate decay (Eq. 42): parameters of blocks.<i> get "
                                        "lr x layer_decay^(L + 1 - (i + 1)), embeddings layer 0; 1 = off",
                                        range(0, 1))
                                .options;
  return specs;
}

const std::vector<OptionSpec>& schedule_options() {
  static const auto specs =
      ComponentInfo("schedule", "linear warmup, then cosine or linear decay")
          .option("warmup_steps", int64_t{0}, "linear warmup steps (takes precedence over warmup_fraction)", at_least(0))
          .option("warmup_fraction", 0.0, "linear warmup as a fraction of the schedule's steps", range(0, 1))
          .option("min_lr", 0.0, "learning rate at the end of the decay", at_least(0))
          .option("decay", std::string("cosine"), "cosine, or linear (BERT's fine-tuning, the thesis' GLUE runs)",
                  one_of({"cosine", "linear"}))
          .option("steps", int64_t{0},
                  "optimizer steps warmup and decay span; 0 = the run's steps (more: the run stops above min_lr, as "
                  "the thesis code's fine-tuning did)",
                  at_least(0))
          .options;
  return specs;
}

const std::vector<OptionSpec>& trainer_options() {
  static const auto specs =
      ComponentInfo("trainer", "the training loop")
          .option("epochs", int64_t{1}, "passes over the training set", at_least(1))
          .option("max_steps", int64_t{0}, "optimizer steps to run; 0 = epochs x steps per epoch", at_least(0))
          .option("batch_size", int64_t{32}, "samples per micro-batch", at_least(1))
          .option("accumulate", int64_t{1}, "micro-batches per optimizer step", at_least(1))
          .option("accumulate_mode", std::string("split"),
                  "split: each micro-batch's losses see only its rows (contrastive negatives too); gradcache: the "
                  "losses see the whole accumulated batch, as OpenCLIP's --accum-freq (features cached without "
                  "autograd, each micro-batch run again with it), gradients equal to one step on the whole batch",
                  one_of({"split", "gradcache"}))
          .option("clip_grad_norm", 0.0, "clip the global gradient norm to this value; 0 = off", at_least(0))
          .option("precision", std::string("fp32"), "autocast precision on CUDA (fp32 on CPU)",
                  one_of({"fp32", "bf16", "fp16"}))
          .option("device", std::string("auto"), "auto, cpu, cuda or cuda:N")
          .option("threads", int64_t{0}, "CPU threads for libtorch; 0 = all cores", at_least(0))
          .option("data_workers", int64_t{2}, "threads that read and augment batches ahead of the step", at_least(1))
          .option("prefetch_batches", int64_t{4}, "batches prepared ahead (bounds the loader's memory)", at_least(1))
          .option("checkpoint_every", int64_t{0}, "checkpoint every N steps (0 = epoch ends only)", at_least(0))
          .option("keep_checkpoints", int64_t{3}, "checkpoints kept, newest first", at_least(1))
          .option("log_every", int64_t{10}, "steps between log lines", at_least(1))
          .option("augmentation_views", int64_t{0},
                  "K > 0: every sample's augmentation repeats every K epochs (epoch e shows view e mod K), "
                  "as a teacher cache of K views does; 0 = new augmentations every epoch",
                  at_least(0))
          .option("time_phases", false,
                  "also log time.teacher (with momentum copies), time.student (model and losses), time.backward "
                  "and time.optimizer per step (time.data, waiting for the loader, is always logged); on CUDA each "
                  "phase then ends with a synchronisation")
          .option("peak_tflops", 0.0,
                  "the device's peak TFLOP/s at the run's precision, for `mfu` (estimated FLOPs / peak); 0 = the "
                  "known bf16/fp16 peak of the GPU CUDA names (H100/H200 SXM 989, H100 PCIe 756, A100 312, "
                  "RTX 4090 165), else not reported",
                  at_least(0))
          .option("distributed_timeout", 300.0,
                  "seconds a rank waits for the others (joining, every collective) before it fails", positive())
          .options;
  return specs;
}

const std::vector<OptionSpec>& eval_options() {
  static const auto specs =
      ComponentInfo("eval", "validation during training")
          .option("every_epochs", int64_t{1}, "validate every N epochs; 0 = only at the end", at_least(0))
          .option("every_steps", int64_t{0}, "also validate every N optimizer steps; 0 = off", at_least(0))
          .option("batch_size", int64_t{256}, "samples per validation batch", at_least(1))
          .option("losses", false,
                  "also average every loss (unweighted) over each evaluation set whose tensors reach its inputs, "
                  "logged as eval.<set>.<loss> (the validation loss of thesis Fig. 16)")
          .option("best_metric", std::string(),
                  "keep best.safetensors of the validation with the best value of this metric, e.g. "
                  "eval.retrieval.i2t_r1; empty = none")
          .option("best_mode", std::string("max"), "whether higher (max) or lower (min) is better", one_of({"max", "min"}))
          .options;
  return specs;
}

const std::vector<OptionSpec>& log_options() {
  static const auto specs = ComponentInfo("log", "run folder and loggers")
                                .option("runs_dir", std::string("runs"), "folder of run folders (relative to the "
                                                                          "working directory)")
                                .options;
  return specs;
}

const std::vector<OptionSpec>& momentum_options() {
  static const auto specs =
      ComponentInfo("momentum", "exponential-moving-average copies of model nodes (thesis Eq. 70)")
          .option("decay", 0.995, "m of Eq. 70: copy = m * copy + (1 - m) * model, once per optimizer step",
                  range(0, 1))
          .option("nodes", std::vector<std::string>{},
                  "model nodes to copy; each copy N_momentum writes N_momentum.<output>; empty = every model node")
          .option("before_model", true,
                  "run the copies first in a step, so that their activations are freed before the model's forward "
                  "pass (thesis Figure 26); false runs them after the model's forward pass, as MoCo and ALBEF do")
          .options;
  return specs;
}

}  // namespace mmkd
