/* Inputs as the SDK's JavaScript sees them: the OutgoingInput shapes of the public API
 * ({type: InputType.Keyboard, action, key}, ...) plus Petrichor's host → client records
 * (rumble 32 {port, leftMotorSpeed, rightMotorSpeed}, cursor image 33 {spotX, spotY, shapeWidth,
 * shapeHeight, image: base64 PNG}, cursor position 34 {x, y, visible}). */
#ifndef PT_INPUT_INPUT_JSON_H
#define PT_INPUT_INPUT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "input/input_record.h"

/* Reads an input object; text points into the cJSON tree and image bytes into scratch (room for
 * PT_INPUT_MAX_CURSOR_IMAGE; may be NULL except for a cursor image), so both must outlive the input. On failure *field names the offending
 * field ("type" when the type itself is wrong). Errors: _MISSING_FIELD, _WRONG_TYPE, _BAD_VALUE, _TOO_LARGE. */
int pt_input_from_json(const cJSON *object, pt_input *input, uint8_t *scratch, size_t scratch_capacity,
                       const char **field);

/* Builds the object for a decoded input (gamepad reports as the port's full state, with "connected"). */
cJSON *pt_input_to_json(const pt_input *input);

#endif
