// Decode + RandomResizedCrop(224, scale 0.08-1) + flip + normalise of JPEG files, as the
// `image_folder` dataset does per training sample:
//   mmkd_image_bench generate DIR [--count 64]   photo-like 640 x 480 JPEGs at quality 90
//   mmkd_image_bench run DIR [--threads N] [--seconds S]
// `run` prints images per second on 1 thread and on N threads (default: all cores);
// bench/run_image_bench compares them with bench/image_peer.py (Pillow + numpy).
#include <mmkd_image/image_decode.hpp>
#include <mmkd_image/image_encode.hpp>
#include <mmkd_image/image_pipeline.hpp>
#include <mmkd/sample_random.hpp>

#include <torch/types.h>
#include <torch/utils.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;
namespace mi = mmkd::image;

namespace {

// Smooth lighting, a few dozen hard-edged shapes and fine grain: entropy close to a photo's.
torch::Tensor photo_like(int64_t height, int64_t width, uint64_t seed) {
  mmkd::SampleRandom random(seed);
  double freq[3][2], phase[3][2];
  for (auto& f : freq) f[0] = random.uniform(0.002, 0.02), f[1] = random.uniform(0.002, 0.02);
  for (auto& p : phase) p[0] = random.uniform(0, 6.28), p[1] = random.uniform(0, 6.28);
  struct Shape { double cx, cy, rx, ry; std::array<double, 3> colour; bool ellipse; };
  std::vector<Shape> shapes(40);
  for (Shape& s : shapes)
    s = {random.uniform(0, width), random.uniform(0, height), random.uniform(8, 120), random.uniform(8, 120),
         {random.uniform(0, 255), random.uniform(0, 255), random.uniform(0, 255)}, random.chance(0.5)};
  torch::Tensor image = torch::empty({height, width, 3}, torch::kUInt8);
  uint8_t* p = image.data_ptr<uint8_t>();
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      std::array<double, 3> v;
      for (int c = 0; c < 3; ++c)
        v[c] = 128 + 70 * std::cos(freq[c][0] * x + phase[c][0]) * std::cos(freq[c][1] * y + phase[c][1]);
      for (const Shape& s : shapes) {
        const double dx = (x - s.cx) / s.rx, dy = (y - s.cy) / s.ry;
        if (s.ellipse ? dx * dx + dy * dy < 1 : std::abs(dx) < 1 && std::abs(dy) < 1)
          for (int c = 0; c < 3; ++c) v[c] = 0.35 * v[c] + 0.65 * s.colour[c] + 12 * std::sin(0.3 * x + 0.2 * y + c);
      }
      for (int c = 0; c < 3; ++c) p[(y * width + x) * 3 + c] = static_cast<uint8_t>(std::clamp(v[c] + 8 * random.normal(), 0.0, 255.0));
    }
  return image;
}

std::vector<std::string> jpegs_in(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".jpg") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw std::runtime_error("no .jpg files in " + dir + " (run `generate` first)");
  return files;
}

// Images per second over `seconds` with `threads` workers, each taking the files in turn.
double images_per_second(const std::vector<std::string>& files, const mi::ImagePipeline& pipeline, int threads,
                         double seconds) {
  std::atomic<int64_t> done{0};
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      int64_t count = 0;
      for (size_t i = static_cast<size_t>(t); std::chrono::steady_clock::now() < deadline; i += threads, ++count) {
        const std::vector<uint8_t> bytes = mi::read_file_bytes(files[i % files.size()]);
        mmkd::SampleRandom random(i);
        pipeline.transform_encoded(bytes.data(), bytes.size(), random);
      }
      done += count;
    });
  for (std::thread& worker : workers) worker.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(done.load()) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"decode + augment benchmark of the image datasets"};
  app.require_subcommand(1);
  std::string dir;
  int count = 64, threads = 0;
  double seconds = 3;
  CLI::App* generate = app.add_subcommand("generate", "write photo-like 640 x 480 JPEGs (quality 90) into DIR");
  generate->add_option("dir", dir)->required();
  generate->add_option("--count", count, "number of images");
  CLI::App* run = app.add_subcommand("run", "time the pipeline on the JPEGs of DIR");
  run->add_option("dir", dir)->required();
  run->add_option("--threads", threads, "threads of the second measurement (0: all cores)");
  run->add_option("--seconds", seconds, "duration of each measurement");
  CLI11_PARSE(app, argc, argv);

  try {
    if (generate->parsed()) {
      fs::create_directories(dir);
      size_t total = 0;
      for (int i = 0; i < count; ++i) {
        const auto jpeg = mi::encode_jpeg(photo_like(480, 640, static_cast<uint64_t>(i)), 90);
        mi::write_file_bytes(fmt::format("{}/{:05d}.jpg", dir, i), jpeg);
        total += jpeg.size();
      }
      fmt::print("{} JPEGs of 640 x 480, {:.0f} KB each on average, in {}\n", count, total / 1024.0 / count, dir);
      return 0;
    }
    torch::set_num_threads(1);
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const mi::ImagePipeline pipeline(mi::PipelineSettings{});  // train: RandomResizedCrop 224, flip, ImageNet mean/std
    const std::vector<std::string> files = jpegs_in(dir);
    images_per_second(files, pipeline, 1, 0.5);  // warm up
    fmt::print("1 thread: {:.1f} images/s\n", images_per_second(files, pipeline, 1, seconds));
    fmt::print("{} threads: {:.1f} images/s\n", threads, images_per_second(files, pipeline, threads, seconds));
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
  }
}
