#include <mmkd_wandb/credentials.hpp>
#include "scoped_environment.hpp"

#include <gtest/gtest.h>

namespace mmkd::wandb {
namespace {

TEST(Credentials, NetrcGivesThePasswordOfTheHostElseTheDefault) {
  const std::string netrc =
      "machine example.org login a password one\n"
      "machine api.wandb.ai\n  login user\n  password two\n"
      "default login anyone password three\n";
  EXPECT_EQ(netrc_password(netrc, "api.wandb.ai"), "two");
  EXPECT_EQ(netrc_password(netrc, "example.org"), "one");
  EXPECT_EQ(netrc_password(netrc, "elsewhere.net"), "three");
  EXPECT_EQ(netrc_password("machine example.org password one", "api.wandb.ai"), std::nullopt);
}

TEST(Credentials, HostAndBaseUrl) {
  EXPECT_EQ(url_host("https://api.wandb.ai"), "api.wandb.ai");
  EXPECT_EQ(url_host("http://127.0.0.1:8080/path"), "127.0.0.1");
  EXPECT_EQ(url_host("wandb.example.org/"), "wandb.example.org");
  testing::ScopedEnvironment environment;
  environment.unset("WANDB_BASE_URL");
  EXPECT_EQ(base_url_from_environment(), "https://api.wandb.ai");
  environment.set("WANDB_BASE_URL", "http://wandb.local:8080/");
  EXPECT_EQ(base_url_from_environment(), "http://wandb.local:8080");
}

TEST(Credentials, TheEnvironmentKeyComesBeforeNetrc) {
  testing::ScopedEnvironment environment;
  environment.set("WANDB_API_KEY", "from-environment");
  environment.set("NETRC", "/nonexistent/netrc");
  EXPECT_EQ(find_api_key("https://api.wandb.ai"), "from-environment");
  environment.unset("WANDB_API_KEY");
  EXPECT_EQ(find_api_key("https://api.wandb.ai"), std::nullopt);
}

}  // namespace
}  // namespace mmkd::wandb
