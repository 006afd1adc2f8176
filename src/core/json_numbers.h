/* The number text cJSON reads and writes, without the C library's floating-point scanner and formatter
 * (which bring 128-bit soft-float code into the wasm module: some 20 KB of its 143 KB of code).
 * cJSON.c is compiled with cjson_numbers.h forced in, which routes its strtod, sprintf and sscanf here.
 * Integers up to 2^53 read and print exactly, as do decimals of up to 15 digits with exponents within
 * ±22; other numbers read and print to within a few units in the last place (the core's own numbers
 * are all integers, and it checks those it reads). */
#ifndef PT_CORE_JSON_NUMBERS_H
#define PT_CORE_JSON_NUMBERS_H

/* strtod for JSON numbers: [+-]digits[.digits][(e|E)[+-]digits]; *end after the number, or text if none. */
double pt_json_strtod(const char *text, char **end);

/* sprintf for the formats cJSON uses, through pt_vformat (core/text_format.h). */
int pt_json_sprintf(char *out, const char *format, ...);

/* sscanf for "%lg" alone (leading spaces skipped); returns 1 when a number was read, else 0. */
int pt_json_sscanf(const char *text, const char *format, ...);

#endif
