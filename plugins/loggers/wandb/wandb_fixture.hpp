#pragma once
// Test fixture: a fake W&B server, a run folder with a config.yaml, the environment pointing
// at the server with a test key, and the `wandb` logger with short retry times.
#include "fake_wandb_server.hpp"
#include "mmkd_testing.hpp"
#include "scoped_environment.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>

#include <memory>
#include <string>

namespace mmkd::wandb::testing {

inline const std::string kApiKey = "test-key-0123456789abcdef0123456789abcdef";
inline const std::string kBasicAuth = "Basic YXBpOnRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVm";  // api:kApiKey

class WandbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    environment_.set("WANDB_BASE_URL", server_.url());
    environment_.set("WANDB_API_KEY", kApiKey);
    for (const char* name : {"WANDB_MODE", "WANDB_ENTITY", "NETRC", "WANDB_PROJECT", "WANDB_RUN_GROUP", "WANDB_TAGS",
                             "WANDB_NAME", "WANDB_RUN_ID", "WANDB_NOTES", "WANDB_JOB_TYPE", "WANDB_RESUME", "WANDB_DIR"})
      environment_.unset(name);
    mmkd::testing::write_file(run_dir_.file("config.yaml"),
                              "name: quickstart\ntrainer:\n  batch_size: 8\n  precision: fp32\nlog:\n  loggers:\n"
                              "    wandb:\n      tags: [kd, small]\n");
  }

  // `options`: a YAML flow map's entries, e.g. "tags: [kd]"; they replace the test defaults.
  std::shared_ptr<Logger> make_logger(const std::string& options = "", const std::string& run_dir = "") {
    Context context;
    context.run_dir = run_dir.empty() ? run_dir_.path() : run_dir;
    context.experiment_name = "quickstart";
    std::string yaml = "{" + options;
    for (const char* entry : {"project: demo", "send_every_seconds: 0", "retry_seconds: 0.01", "max_retry_seconds: 0.04",
                              "finish_timeout_seconds: 5"}) {
      const std::string key = std::string(entry).substr(0, std::string(entry).find(':') + 1);
      if (options.find(key) == std::string::npos) yaml += (yaml.size() > 1 ? ", " : "") + std::string(entry);
    }
    return mmkd::testing::make<Kind::Logger>("wandb", yaml + "}", context);
  }

  FakeWandbServer server_;
  mmkd::testing::TempDir run_dir_;
  ScopedEnvironment environment_;
};

}  // namespace mmkd::wandb::testing
