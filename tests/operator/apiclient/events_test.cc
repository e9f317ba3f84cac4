// The event stream parser against the WHATWG HTML standard's rules and examples (9.2.6
// "Interpreting an event stream"), fed whole and one byte at a time.
#include <gtest/gtest.h>

#include "operator/apiclient/apiclient.h"

namespace converge::apiclient {
namespace {

std::vector<Event> ParseWhole(std::string_view stream) {
  EventParser parser;
  std::vector<Event> events;
  parser.Feed(stream, [&](const Event& event) {
    events.push_back(event);
    return true;
  });
  return events;
}

std::vector<Event> ParseBytewise(std::string_view stream) {
  EventParser parser;
  std::vector<Event> events;
  for (char c : stream) {
    parser.Feed(std::string_view(&c, 1), [&](const Event& event) {
      events.push_back(event);
      return true;
    });
  }
  return events;
}

struct Case {
  std::string name;
  std::string stream;
  std::vector<std::tuple<std::string, std::string, std::string>> want;  // id, type, data
};

TEST(EventParserTest, FollowsTheStandard) {
  const std::vector<Case> cases = {
      // The standard's stock-ticker example: data lines join with "\n".
      {"multiline", "data: YHOO\ndata: +2\ndata: 10\n\n", {{"", "message", "YHOO\n+2\n10"}}},
      // Its comment-and-id example: the id carries over to the next event.
      {"id carries over",
       ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third "
       "event\n\n",
       {{"1", "message", "first event"},
        {"", "message", "second event"},
        {"", "message", " third event"}}},
      // Its empty-data example: "data" alone is an empty line of data; a trailing event with
      // no blank line after it is never dispatched.
      {"empty data", "data\n\ndata\ndata\n\ndata:", {{"", "message", ""}, {"", "message", "\n"}}},
      // Line endings CR, LF and CRLF are all accepted.
      {"line endings", "event: ADDED\r\nid: 7\rdata: {}\r\n\r\n", {{"7", "ADDED", "{}"}}},
      // An event type without data dispatches nothing and does not leak into the next event.
      {"type without data", "event: MODIFIED\n\ndata: x\n\n", {{"", "message", "x"}}},
      {"keep-alive", ": keep-alive\n\n: keep-alive\n\n", {}},
      {"unknown fields", "retry: 10\nfoo: bar\ndata: y\n\n", {{"", "message", "y"}}},
  };
  for (const Case& c : cases) {
    for (const auto& events : {ParseWhole(c.stream), ParseBytewise(c.stream)}) {
      ASSERT_EQ(events.size(), c.want.size()) << c.name;
      for (size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].id, std::get<0>(c.want[i])) << c.name << " #" << i;
        EXPECT_EQ(events[i].type, std::get<1>(c.want[i])) << c.name << " #" << i;
        EXPECT_EQ(events[i].data, std::get<2>(c.want[i])) << c.name << " #" << i;
      }
    }
  }
}

TEST(EventParserTest, StopsWhenTheHandlerSaysSoAndRemembersTheLastId) {
  EventParser parser;
  int seen = 0;
  bool more = parser.Feed("id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n",
                          [&](const Event&) { return ++seen < 2; });
  EXPECT_FALSE(more);
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(parser.last_event_id(), "2");
}

TEST(ClientTest, RefusesServersThatAreNotHttpUrls) {
  EXPECT_TRUE(Client::Create({.server = "http://127.0.0.1:8080"}).ok());
  EXPECT_TRUE(Client::Create({.server = "https://converge.example.com/prefix/"}).ok());
  for (const char* bad : {"127.0.0.1:8080", "ftp://x", "http://", ""}) {
    EXPECT_FALSE(Client::Create({.server = bad}).ok()) << bad;
  }
}

TEST(ClientTest, EscapesPathSegmentsAndQueryValues) {
  EXPECT_EQ(Escape("app=web,tier!=db"), "app%3Dweb%2Ctier%21%3Ddb");
  EXPECT_EQ(Escape("a/b c~d.e_f-g"), "a%2Fb%20c~d.e_f-g");
}

}  // namespace
}  // namespace converge::apiclient
