// scripts/gpu-check, the one command for a GPU machine: its plan fits that machine's 10 minutes,
// and its CPU mode runs every step at tiny sizes on this build and writes the report.
#include "mmkd_testing.hpp"
#include "python_tools.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>

using namespace mmkd::testing;

namespace {

const std::vector<std::string> kSteps = {"environment", "build", "device_tests", "losses_bf16",
                                         "parity", "step_bench", "input_pipeline"};

TEST(GpuCheck, PlanFitsTheTenMinutesOfTheGpuMachine) {
  const CommandResult r = run_command("'" + source_dir() + "/scripts/gpu-check' --plan");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto& step : kSteps) EXPECT_TRUE(std::regex_search(r.output, std::regex("\n" + step + " +[0-9]+ s\n"))) << step << "\n" << r.output;
  std::smatch total;
  ASSERT_TRUE(std::regex_search(r.output, total, std::regex("total +([0-9]+) s of 600"))) << r.output;
  EXPECT_LE(std::stoi(total[1]), 600);
  EXPECT_NE(r.output.find("carry: .gpu-check"), std::string::npos) << r.output;
}

TEST(GpuCheck, CpuModeRunsEveryStepAndWritesTheReport) {
  MMKD_REQUIRE_PYTHON();
  if (!std::filesystem::exists(build_dir() + "/bin/mmkd_image_bench"))
    GTEST_SKIP() << "this build has no benchmarks (MMKD_BUILD_BENCH=OFF, as scripts/sanitize's)";
  TempDir dir;
  const CommandResult r = run_command("'" + source_dir() + "/scripts/gpu-check' --cpu --build-dir '" + build_dir() +
                                      "' --out '" + dir.path() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json report = nlohmann::json::parse(read_file(dir.file("report.json")));
  EXPECT_EQ(report["mode"], "cpu");
  ASSERT_EQ(report["steps"].size(), kSteps.size()) << report.dump(1);
  std::map<std::string, nlohmann::json> figures;
  for (size_t i = 0; i < kSteps.size(); ++i) {
    const nlohmann::json& step = report["steps"][i];
    EXPECT_EQ(step["name"], kSteps[i]);
    EXPECT_EQ(step["status"], "passed") << step.dump(1);
    EXPECT_LE(step["seconds"].get<double>(), step["budget_s"].get<double>()) << step.dump(1);
    figures[kSteps[i]] = step["figures"];
  }
  EXPECT_TRUE(std::regex_match(figures["device_tests"]["tests"].get<std::string>(), std::regex("5 passed, 2 skipped")))
      << figures["device_tests"];
  EXPECT_EQ(figures["losses_bf16"]["worst_relative_difference"], "0.00e+00");  // bf16 autocast is CUDA's: same run
  EXPECT_GT(std::stod(figures["parity"]["largest_difference_fp32"].get<std::string>()), 0.0);
  EXPECT_LT(std::stod(figures["parity"]["largest_difference_fp32"].get<std::string>()), 1e-3);
  for (const char* name : {"mmkd_samples_per_s", "eager_samples_per_s", "cached_teacher_samples_per_s",
                           "checkpointing_samples_per_s", "matmul_peak_tflops", "mfu"})
    EXPECT_GT(std::stod(figures["step_bench"][name].get<std::string>()), 0.0) << name << " " << figures["step_bench"];
  EXPECT_GT(std::stod(figures["input_pipeline"]["images_per_s"].get<std::string>()), 0.0);
  const std::string markdown = read_file(dir.file("report.md"));
  EXPECT_NE(markdown.find("| step_bench | passed |"), std::string::npos) << markdown;
  EXPECT_NE(read_file(dir.file("gpu-check.log")).find("== input_pipeline: passed"), std::string::npos);
}

}  // namespace
