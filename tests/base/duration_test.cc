// Expected values are the examples and tables of Go's time package documentation and tests
// (ParseDuration, Duration.String).
#include "base/duration.h"

#include <gtest/gtest.h>

namespace converge {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

nanoseconds Parse(std::string_view text) {
  Result<nanoseconds> parsed = ParseDuration(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
  return parsed.ok() ? *parsed : nanoseconds(-1);
}

TEST(DurationTest, ParsesGoSyntax) {
  EXPECT_EQ(Parse("0"), nanoseconds(0));
  EXPECT_EQ(Parse("+0"), nanoseconds(0));
  EXPECT_EQ(Parse("10h"), hours(10));
  EXPECT_EQ(Parse("1h10m10s"), seconds(4210));
  EXPECT_EQ(Parse("1.5h"), minutes(90));
  EXPECT_EQ(Parse("-1.5h"), -minutes(90));
  EXPECT_EQ(Parse("300ms"), milliseconds(300));
  EXPECT_EQ(Parse("2h45m"), minutes(165));
  EXPECT_EQ(Parse("1\xC2\xB5s"), microseconds(1));
  EXPECT_EQ(Parse("1\xCE\xBCs"), microseconds(1));
  EXPECT_EQ(Parse("1us"), microseconds(1));
  EXPECT_EQ(Parse("5s"), seconds(5));
  EXPECT_EQ(Parse("3m"), minutes(3));
  EXPECT_EQ(Parse(".5s"), milliseconds(500));
  EXPECT_EQ(Parse("1.s"), seconds(1));
  EXPECT_EQ(Parse("1.004s"), milliseconds(1004));
  EXPECT_EQ(Parse("39h9m14.425s"), milliseconds(140954425));
  EXPECT_EQ(Parse("9223372036854775807ns"), nanoseconds(INT64_MAX));
  EXPECT_EQ(Parse("-9223372036854775808ns"), nanoseconds(INT64_MIN));
}

TEST(DurationTest, RefusesWhatGoRefuses) {
  for (std::string_view bad : {"", "-", "s", ".", "-.", ".s", "+.s", "1d1", "3000000h",
                               "9223372036854775808ns", "-9223372036854775809ns"}) {
    Result<nanoseconds> parsed = ParseDuration(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalid);
  }
  EXPECT_EQ(ParseDuration("3").status().message(), "time: missing unit in duration \"3\"");
  EXPECT_EQ(ParseDuration("1d").status().message(), "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(ParseDuration("x").status().message(), "time: invalid duration \"x\"");
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(nanoseconds(1)), "1ns");
  EXPECT_EQ(FormatDuration(nanoseconds(1100)), "1.1\xC2\xB5s");
  EXPECT_EQ(FormatDuration(nanoseconds(2200000)), "2.2ms");
  EXPECT_EQ(FormatDuration(nanoseconds(3300000000)), "3.3s");
  EXPECT_EQ(FormatDuration(minutes(4) + seconds(5)), "4m5s");
  EXPECT_EQ(FormatDuration(minutes(4) + milliseconds(5001)), "4m5.001s");
  EXPECT_EQ(FormatDuration(hours(5) + minutes(6) + milliseconds(7001)), "5h6m7.001s");
  EXPECT_EQ(FormatDuration(minutes(8) + nanoseconds(1)), "8m0.000000001s");
  EXPECT_EQ(FormatDuration(hours(1) + minutes(2) + milliseconds(300)), "1h2m0.3s");
  EXPECT_EQ(FormatDuration(hours(10)), "10h0m0s");
  EXPECT_EQ(FormatDuration(nanoseconds(INT64_MAX)), "2562047h47m16.854775807s");
  EXPECT_EQ(FormatDuration(nanoseconds(INT64_MIN)), "-2562047h47m16.854775808s");
}

}  // namespace
}  // namespace converge
