// Where `converge app` finds the API: flag, then environment, then config file, as the
// contract of issue 13 orders them; and the tables' column layout.
#include <map>

#include <gtest/gtest.h>

#include "operator/cli/app.h"
#include "tests/support/support.h"

namespace converge::cli {
namespace {

Environment FakeEnvironment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    auto it = variables.find(std::string(name));
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

Result<AppSettings> Resolve(std::vector<std::string> args,
                            std::map<std::string, std::string> variables) {
  Result<ParsedFlags> flags = ParseFlags(AppConnectionFlags(), args);
  if (!flags.ok()) return flags.status();
  return ResolveAppSettings(*flags, FakeEnvironment(std::move(variables)));
}

TEST(AppSettingsTest, FlagsWinOverEnvironmentWhichWinsOverTheConfigFile) {
  testing::TempDir dir;
  dir.Write("xdg/converge/config.yaml", "server: http://file:1\ntoken: file-token\n");
  std::map<std::string, std::string> env = {{"XDG_CONFIG_HOME", (dir.path() / "xdg").string()}};

  Result<AppSettings> from_file = Resolve({}, env);
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->server, "http://file:1");
  EXPECT_EQ(from_file->token, "file-token");
  EXPECT_EQ(from_file->ns, "converge");
  EXPECT_EQ(from_file->config_file, (dir.path() / "xdg/converge/config.yaml").string());

  env["CONVERGE_SERVER"] = "http://env:2";
  env["CONVERGE_NAMESPACE"] = "team";
  Result<AppSettings> from_env = Resolve({}, env);
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->server, "http://env:2");
  EXPECT_EQ(from_env->token, "file-token");
  EXPECT_EQ(from_env->ns, "team");

  env["CONVERGE_TOKEN"] = "env-token";
  Result<AppSettings> from_flags =
      Resolve({"--server", "http://flag:3", "--token=flag-token", "-n", "other"}, env);
  ASSERT_TRUE(from_flags.ok()) << from_flags.status().message();
  EXPECT_EQ(from_flags->server, "http://flag:3");
  EXPECT_EQ(from_flags->token, "flag-token");
  EXPECT_EQ(from_flags->ns, "other");
}

TEST(AppSettingsTest, ConfigFlagAndVariableNameTheFile) {
  testing::TempDir dir;
  std::filesystem::path named = dir.Write("cli-config.yaml", "server: http://named:4\n");
  dir.Write("home/.config/converge/config.yaml", "server: http://home:5\n");
  std::map<std::string, std::string> env = {{"HOME", (dir.path() / "home").string()}};

  Result<AppSettings> home = Resolve({}, env);
  ASSERT_TRUE(home.ok()) << home.status().message();
  EXPECT_EQ(home->server, "http://home:5");

  Result<AppSettings> by_flag = Resolve({"--config", named.string()}, env);
  ASSERT_TRUE(by_flag.ok()) << by_flag.status().message();
  EXPECT_EQ(by_flag->server, "http://named:4");
  EXPECT_EQ(by_flag->token, "");

  env["CONVERGE_CONFIG"] = named.string();
  Result<AppSettings> by_variable = Resolve({}, env);
  ASSERT_TRUE(by_variable.ok()) << by_variable.status().message();
  EXPECT_EQ(by_variable->server, "http://named:4");
}

TEST(AppSettingsTest, RefusesAMissingServerANamedMissingFileAndBadTypes) {
  testing::TempDir dir;
  Result<AppSettings> none = Resolve({}, {{"HOME", dir.path().string()}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("--server"), std::string::npos) << none.status().message();

  Result<AppSettings> missing = Resolve({"--config", (dir.path() / "nope.yaml").string()}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.yaml"), std::string::npos);

  std::filesystem::path bad = dir.Write("bad.yaml", "server:\n  url: x\n");
  Result<AppSettings> typed = Resolve({"--config", bad.string()}, {});
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.status().message().find(".server: expected string"), std::string::npos)
      << typed.status().message();

  std::filesystem::path broken = dir.Write("broken.yaml", "server: [\n");
  EXPECT_FALSE(Resolve({"--config", broken.string()}, {}).ok());
}

TEST(AppOutputTest, TableColumnsAreSeparatedByTwoSpacesAtLeast) {
  EXPECT_EQ(
      FormatTable(
          {{"NAME", "STATUS", "MESSAGE"}, {"a-long-name", "Synced", ""}, {"b", "OutOfSync", "x"}}),
      "NAME         STATUS     MESSAGE\n"
      "a-long-name  Synced\n"
      "b            OutOfSync  x\n");
}

TEST(AppOutputTest, StructuredOutputIsJsonOrYamlOnly) {
  nlohmann::json value = {{"b", 1}, {"a", "x"}};
  Result<std::optional<std::string>> json = FormatStructured(value, "json");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(**json, "{\n    \"a\": \"x\",\n    \"b\": 1\n}\n");
  Result<std::optional<std::string>> yaml = FormatStructured(value, "yaml");
  ASSERT_TRUE(yaml.ok());
  EXPECT_EQ(**yaml, "a: x\nb: 1\n");
  Result<std::optional<std::string>> table = FormatStructured(value, "");
  ASSERT_TRUE(table.ok());
  EXPECT_FALSE(table->has_value());
  EXPECT_FALSE(FormatStructured(value, "xml").ok());
}

}  // namespace
}  // namespace converge::cli
