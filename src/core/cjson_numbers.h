/* Forced into cJSON.c (cmake/dependencies.cmake): its numbers go through core/json_numbers.c. The C
 * library's headers come first so that these names change only cJSON's own calls. */
#ifndef PT_CORE_CJSON_NUMBERS_H
#define PT_CORE_CJSON_NUMBERS_H

#include <stdio.h>
#include <stdlib.h>

#include "core/json_numbers.h"

#define strtod pt_json_strtod
#define sprintf pt_json_sprintf
#define sscanf pt_json_sscanf

#endif
