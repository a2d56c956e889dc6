// Retrieval benchmark: the `retrieval` evaluator on COCO 5K test-sized embeddings
// (5 captions per image), compared with bench/retrieval_peer.py (numpy) by bench/run_retrieval_bench.
//   mmkd_retrieval_bench generate DIR [--images N] [--captions C] [--dim D]
//   mmkd_retrieval_bench run DIR [--repeats R] [--threads T]
#include "cli/describe.hpp"
#include "cli/probe_command.hpp"
#include "plugins/plugin_loader.hpp"

#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>

namespace {

void write_raw(const std::string& path, const torch::Tensor& tensor) {
  std::ofstream out(path, std::ios::binary);
  const torch::Tensor contiguous = tensor.contiguous();
  out.write(static_cast<const char*>(contiguous.data_ptr()), static_cast<std::streamsize>(contiguous.nbytes()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

torch::Tensor read_raw(const std::string& path, torch::ScalarType type, std::vector<int64_t> shape) {
  torch::Tensor tensor = torch::empty(shape, type);
  std::ifstream in(path, std::ios::binary);
  in.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(tensor.nbytes()));
  if (!in) throw std::runtime_error("cannot read " + path + " (run `generate` first with the same sizes)");
  return tensor;
}

// Captions are noisy copies of their image's embedding, shuffled, so recalls are neither 0 nor 1.
void generate(const std::string& dir, int64_t images, int64_t captions, int64_t dim) {
  torch::manual_seed(0);
  const torch::Tensor image = torch::randn({images, dim});
  const torch::Tensor image_of_text = torch::arange(images).repeat_interleave(captions).index_select(
      0, torch::randperm(images * captions));
  const torch::Tensor text = image.index_select(0, image_of_text) + 8.0 * torch::randn({images * captions, dim});
  write_raw(dir + "/images.f32", image);
  write_raw(dir + "/texts.f32", text);
  write_raw(dir + "/image_of_text.i64", image_of_text);
}

// One row per caption, as a validation pass adds them: the caption's image and its id.
double time_evaluator(mmkd::Evaluator& evaluator, const torch::Tensor& images, const torch::Tensor& texts,
                      const torch::Tensor& image_of_text, std::map<std::string, double>& metrics) {
  struct NoModels : mmkd::EvalModels {
    void run_model(mmkd::TensorMap&) const override { throw mmkd::Error("no model in this benchmark"); }
    mmkd::TensorMap evaluate_loss(const std::string&, const mmkd::TensorMap&) const override {
      throw mmkd::Error("no loss in this benchmark");
    }
  } models;
  const auto start = std::chrono::steady_clock::now();
  evaluator.reset();
  const int64_t batch = 256;
  for (int64_t begin = 0; begin < texts.size(0); begin += batch) {
    const torch::Tensor ids = image_of_text.slice(0, begin, begin + batch);
    evaluator.add({{"image", images.index_select(0, ids)}, {"text", texts.slice(0, begin, begin + batch)}, {"image_id", ids}},
                  models);
  }
  metrics = evaluator.compute(models);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"retrieval evaluator benchmark"};
  app.require_subcommand(1);
  std::string dir;
  int64_t images = 5000, captions = 5, dim = 768;
  int repeats = 3, threads = 0;
  auto* gen = app.add_subcommand("generate", "write random embeddings");
  gen->add_option("dir", dir)->required();
  auto* run = app.add_subcommand("run", "time the retrieval evaluator");
  run->add_option("dir", dir)->required();
  run->add_option("--repeats", repeats, "timed repetitions (the best is printed)");
  run->add_option("--threads", threads, "libtorch CPU threads (0: default)");
  for (auto* command : {gen, run}) {
    command->add_option("--images", images);
    command->add_option("--captions", captions);
    command->add_option("--dim", dim);
  }
  CLI11_PARSE(app, argc, argv);
  try {
    if (*gen) {
      generate(dir, images, captions, dim);
      return 0;
    }
    if (threads > 0) torch::set_num_threads(threads);
    const torch::Tensor image = read_raw(dir + "/images.f32", torch::kFloat, {images, dim});
    const torch::Tensor text = read_raw(dir + "/texts.f32", torch::kFloat, {images * captions, dim});
    const torch::Tensor image_of_text = read_raw(dir + "/image_of_text.i64", torch::kLong, {images * captions});
    mmkd::Registry registry;
    mmkd::load_all_plugins(registry);
    const auto& entry = mmkd::find_component(registry, "evaluator/retrieval");
    auto evaluator = registry.create<mmkd::Kind::Evaluator>(entry, mmkd::options_from_yaml(entry, "evaluator/retrieval", "{}"),
                                                            mmkd::Context{});
    std::map<std::string, double> metrics;
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) best = std::min(best, time_evaluator(*evaluator, image, text, image_of_text, metrics));
    std::cout << fmt::format("mmkd seconds {:.4f}", best);
    for (const char* key : {"i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10"})
      std::cout << fmt::format(" {} {:.6f}", key, metrics.at(key));
    std::cout << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
