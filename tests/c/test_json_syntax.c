/* The allocation-free JSON syntax check (src/gateway/json_syntax.c): valid and invalid texts, and its promise
 * to the core: what it calls valid, cJSON parses (so that a cJSON failure on valid JSON means memory). */
#include "gateway/json_syntax.h"

#include <string.h>

#include "cJSON.h"
#include "check.h"

static const char *const valid[] = {
    "{}", "[]", "0", "-0.5e+3", "\"\"", "true", "false", "null", " {\"a\" : [1, 2, {\"b\": null}] } ",
    "\xEF\xBB\xBF{}", "\"\\u00e9\\ud83d\\ude00\\n\\/\"", "[1E5,2e-1,0.0]", "{\"\":\"\"}", "\"caf\xC3\xA9\"",
};

static const char *const invalid[] = {
    "", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01x", "-", "1.", ".5", "1e", "+1", "tru",
    "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\u0041\"", "{} {}", "[1 2]",
    "\"a\x01\"", "{\"a\":1,}", "'a'",
    "\xEF\xBB\xBF" "9", /* cJSON skips a BOM only when more than one byte follows (a fuzz finding) */
};

static void test_valid_and_invalid_texts(void) {
  for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
    if (!pt_json_syntax_valid(valid[i], strlen(valid[i]))) fprintf(stderr, "valid: %s\n", valid[i]);
    CHECK(pt_json_syntax_valid(valid[i], strlen(valid[i])));
    cJSON *parsed = cJSON_ParseWithLength(valid[i], strlen(valid[i]));
    CHECK(parsed != NULL); /* the promise */
    cJSON_Delete(parsed);
  }
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    if (pt_json_syntax_valid(invalid[i], strlen(invalid[i]))) fprintf(stderr, "invalid: %s\n", invalid[i]);
    CHECK(!pt_json_syntax_valid(invalid[i], strlen(invalid[i])));
  }
  CHECK(!pt_json_syntax_valid(NULL, 0));
  CHECK(!pt_json_syntax_valid("{}", 1)); /* the length counts, not a NUL */
}

/* Nesting as deep as cJSON allows (PT_JSON_DEPTH_MAX containers) is valid; one more is not, for either. */
static void test_depth_as_cjson(void) {
  char text[2 * (PT_JSON_DEPTH_MAX + 1) + 1];
  for (int depth = PT_JSON_DEPTH_MAX; depth <= PT_JSON_DEPTH_MAX + 1; depth++) {
    memset(text, '[', (size_t)depth);
    memset(text + depth, ']', (size_t)depth);
    const size_t length = 2 * (size_t)depth;
    cJSON *parsed = cJSON_ParseWithLength(text, length);
    CHECK_EQ(pt_json_syntax_valid(text, length), depth <= PT_JSON_DEPTH_MAX);
    CHECK_EQ(parsed != NULL, depth <= PT_JSON_DEPTH_MAX);
    cJSON_Delete(parsed);
  }
}

int main(void) {
  RUN(test_valid_and_invalid_texts);
  RUN(test_depth_as_cjson);
  return 0;
}
