#include "operator/cli/flags.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

std::vector<FlagSpec> Specs() {
  return {
      {.name = "output", .short_name = 'o', .value_name = "FORMAT", .default_value = "yaml"},
      {.name = "recurse", .type = FlagType::kBool},
      {.name = "include", .type = FlagType::kList, .value_name = "GLOB"},
  };
}

Result<ParsedFlags> Parse(std::vector<std::string> args) { return ParseFlags(Specs(), args); }

TEST(FlagsTest, AcceptsEveryValueSpelling) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--output=json"},
                                               {"--output", "json"},
                                               {"-o", "json"},
                                               {"-ojson"},
                                               {"-o=json"}}) {
    Result<ParsedFlags> flags = Parse(args);
    ASSERT_TRUE(flags.ok()) << flags.status().message();
    EXPECT_EQ(flags->String("output"), "json");
  }
}

TEST(FlagsTest, DefaultsBoolsListsAndPositionals) {
  Result<ParsedFlags> flags =
      Parse({"path", "--recurse", "--include", "a/*", "--include={x,y}", "--", "--literal"});
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_EQ(flags->String("output"), "yaml");
  EXPECT_TRUE(flags->Bool("recurse"));
  EXPECT_EQ(flags->List("include"), (std::vector<std::string>{"a/*", "{x,y}"}));
  EXPECT_EQ(flags->positional(), (std::vector<std::string>{"path", "--literal"}));
  EXPECT_FALSE(Parse({"--recurse=false"})->Bool("recurse"));
}

TEST(FlagsTest, RefusesUnknownAndIncompleteFlags) {
  EXPECT_EQ(Parse({"--nope"}).status().message(), "unknown flag --nope");
  EXPECT_EQ(Parse({"-x"}).status().message(), "unknown flag -x");
  EXPECT_EQ(Parse({"--output"}).status().message(), "flag --output needs a value");
  EXPECT_FALSE(Parse({"--recurse=maybe"}).ok());
}

TEST(FlagsTest, HelpListsEveryFlag) {
  std::string help = FlagHelp(Specs());
  EXPECT_NE(help.find("-o, --output FORMAT"), std::string::npos) << help;
  EXPECT_NE(help.find("--include GLOB"), std::string::npos) << help;
  EXPECT_NE(help.find("(default yaml)"), std::string::npos) << help;
}

}  // namespace
}  // namespace converge::cli
