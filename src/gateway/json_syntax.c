#include "gateway/json_syntax.h"

#include <string.h>

typedef struct cursor {
  const unsigned char *at, *end;
} cursor;

static void skip_space(cursor *c) {
  while (c->at < c->end && (*c->at == ' ' || *c->at == '\t' || *c->at == '\n' || *c->at == '\r')) c->at++;
}

static int hex4(const unsigned char *p, unsigned *value) {
  *value = 0;
  for (int i = 0; i < 4; i++) {
    unsigned char h = p[i];
    unsigned digit = h >= '0' && h <= '9' ? (unsigned)(h - '0')
                     : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
                     : h >= 'A' && h <= 'F' ? (unsigned)(h - 'A' + 10)
                                            : 16u;
    if (digit == 16) return 0;
    *value = *value << 4 | digit;
  }
  return 1;
}

/* \uXXXX at c->at (after the backslash and 'u' were seen at c->at - 2); a high surrogate needs a low one. */
static int unicode_escape(cursor *c) {
  unsigned first, second;
  if (c->end - c->at < 4 || !hex4(c->at, &first)) return 0;
  c->at += 4;
  if (first >= 0xDC00 && first <= 0xDFFF) return 0;
  if (first < 0xD800 || first > 0xDBFF) return 1;
  if (c->end - c->at < 6 || c->at[0] != '\\' || c->at[1] != 'u' || !hex4(c->at + 2, &second)) return 0;
  c->at += 6;
  return second >= 0xDC00 && second <= 0xDFFF;
}

static int string(cursor *c) {
  c->at++; /* the opening quote */
  while (c->at < c->end) {
    unsigned char ch = *c->at++;
    if (ch == '"') return 1;
    if (ch < 0x20) return 0;
    if (ch != '\\') continue;
    if (c->at >= c->end) return 0;
    ch = *c->at++;
    if (ch == 'u') {
      if (!unicode_escape(c)) return 0;
    } else if (strchr("\"\\/bfnrt", ch) == NULL || ch == 0) {
      return 0;
    }
  }
  return 0;
}

static int digits(cursor *c) {
  const unsigned char *start = c->at;
  while (c->at < c->end && *c->at >= '0' && *c->at <= '9') c->at++;
  return c->at > start;
}

static int number(cursor *c) {
  if (*c->at == '-') c->at++;
  if (c->at < c->end && *c->at == '0') {
    c->at++;
  } else if (!digits(c)) {
    return 0;
  }
  if (c->at < c->end && *c->at == '.') {
    c->at++;
    if (!digits(c)) return 0;
  }
  if (c->at < c->end && (*c->at == 'e' || *c->at == 'E')) {
    c->at++;
    if (c->at < c->end && (*c->at == '+' || *c->at == '-')) c->at++;
    if (!digits(c)) return 0;
  }
  return 1;
}

static int literal(cursor *c, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(c->end - c->at) < n || memcmp(c->at, word, n) != 0) return 0;
  c->at += n;
  return 1;
}

static int value(cursor *c, int depth);

/* An array or object: members separated by commas; an object's are "key": value. */
static int container(cursor *c, int depth, unsigned char close, int keyed) {
  if (depth >= PT_JSON_DEPTH_MAX) return 0;
  c->at++;
  skip_space(c);
  if (c->at < c->end && *c->at == close) {
    c->at++;
    return 1;
  }
  for (;;) {
    if (keyed) {
      if (c->at >= c->end || *c->at != '"' || !string(c)) return 0;
      skip_space(c);
      if (c->at >= c->end || *c->at++ != ':') return 0;
      skip_space(c);
    }
    if (!value(c, depth + 1)) return 0;
    skip_space(c);
    if (c->at >= c->end) return 0;
    unsigned char ch = *c->at++;
    if (ch == close) return 1;
    if (ch != ',') return 0;
    skip_space(c);
  }
}

static int value(cursor *c, int depth) {
  if (c->at >= c->end) return 0;
  switch (*c->at) {
    case '{': return container(c, depth, '}', 1);
    case '[': return container(c, depth, ']', 0);
    case '"': return string(c);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n': return literal(c, "null");
    default: return (*c->at == '-' || (*c->at >= '0' && *c->at <= '9')) && number(c);
  }
}

int pt_json_syntax_valid(const char *json, size_t length) {
  if (json == NULL) return 0;
  cursor c = {(const unsigned char *)json, (const unsigned char *)json + length};
  /* cJSON skips a BOM only when more than one byte follows it. */
  if (length > 4 && memcmp(json, "\xEF\xBB\xBF", 3) == 0) c.at += 3;
  skip_space(&c);
  if (!value(&c, 0)) return 0;
  skip_space(&c);
  return c.at == c.end;
}
