/* A JSON syntax check that allocates nothing: whether bytes are one JSON value (RFC 8259, containers nested
 * at most PT_JSON_DEPTH_MAX deep, surrogate escapes paired as cJSON requires), optionally after a UTF-8 BOM
 * (with more than one byte after it, as cJSON), with whitespace around it. It tells why cJSON failed to
 * parse a text: bad JSON, or memory. */
#ifndef PT_GATEWAY_JSON_SYNTAX_H
#define PT_GATEWAY_JSON_SYNTAX_H

#include <stddef.h>

#define PT_JSON_DEPTH_MAX 32 /* cJSON's CJSON_NESTING_LIMIT, as cmake/dependencies.cmake builds it */

/* 1 if json[0..length) is one valid JSON value as above, else 0. Work and stack bounded by length and
 * PT_JSON_DEPTH_MAX. */
int pt_json_syntax_valid(const char *json, size_t length);

#endif
