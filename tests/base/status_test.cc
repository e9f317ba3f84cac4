#include "base/status.h"

#include <memory>

#include <gtest/gtest.h>

namespace converge {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.ToString(), "ok");
}

TEST(StatusTest, WrapAddsContextInFront) {
  Status status = Status::Invalid("12: .image.tag: expected string, got map");
  Status wrapped = status.Wrap("values.yaml");
  EXPECT_EQ(wrapped.message(), "values.yaml: 12: .image.tag: expected string, got map");
  EXPECT_EQ(wrapped.code(), StatusCode::kInvalid);
  EXPECT_EQ(status.message(), "12: .image.tag: expected string, got map") << "lvalue Wrap copies";
}

TEST(StatusTest, WrapKeepsOkStatusOk) {
  EXPECT_TRUE(Status().Wrap("context").ok());
  EXPECT_EQ(Status().Wrap("context").message(), "");
}

TEST(StatusTest, NamedConstructorsSetCodes) {
  EXPECT_EQ(Status::NotFound("x").code(), StatusCode::kNotFound);
  EXPECT_EQ(Status::Conflict("x").code(), StatusCode::kConflict);
  EXPECT_EQ(Status::Unavailable("x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(Status::Internal("x").code(), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "not found");
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> value = 42;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 42);
  EXPECT_TRUE(value.status().ok());

  Result<int> error = Status::NotFound("chart \"x\" not found");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(error.status().message(), "chart \"x\" not found");
}

TEST(ResultTest, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  std::unique_ptr<int> taken = std::move(result).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 7);
}

}  // namespace
}  // namespace converge
