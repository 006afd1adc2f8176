#include "gateway/connection.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"

typedef struct pt_connection {
  pt_connection_state state;
  double hello_deadline_ms;
  pt_server_hello server_hello;
} pt_connection;

static pt_connection *lookup(const pt_core *core, pt_handle handle, int *status) {
  void *object = NULL;
  *status = core == NULL ? PT_ERR_INVALID_ARGUMENT
                         : pt_registry_get(&core->registry, handle, PT_KIND_CONNECTION, &object);
  return *status == PT_OK ? object : NULL;
}

pt_handle pt_connection_open(pt_core *core, const pt_client_hello *hello, double now_ms) {
  if (core == NULL || hello == NULL) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  char text[PT_GATEWAY_MAX_MESSAGE];
  size_t length = 0;
  int status = pt_client_hello_build(hello, text, sizeof text, &length);
  if (status != PT_OK) {
    return status;
  }
  pt_connection *connection = calloc(1, sizeof *connection);
  if (connection == NULL) {
    return PT_ERR_NO_MEMORY;
  }
  connection->state = PT_CONNECTION_AWAITING_HELLO;
  connection->hello_deadline_ms = now_ms + core->config.hello_timeout_ms;
  pt_handle handle = pt_registry_add(&core->registry, PT_KIND_CONNECTION, connection);
  if (handle < 0) {
    free(connection);
    return handle;
  }
  status = pt_output_queue_push(&core->outputs, PT_OUTPUT_SEND, handle, PT_TRANSPORT_GATEWAY, text, length);
  if (status != PT_OK) {
    pt_registry_release(&core->registry, handle, PT_KIND_CONNECTION, NULL);
    free(connection);
    return status;
  }
  pt_core_update_deadline(core);
  return handle;
}

int pt_connection_close(pt_core *core, pt_handle handle, int reason) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) {
    return status;
  }
  char payload[96];
  snprintf(payload, sizeof payload, "{\"code\":%d,\"error\":\"%s\"}", reason, pt_error_name(reason));
  status = pt_core_emit_json(core, handle, PT_EVENT_CONNECTION_CLOSED, payload);
  pt_connection_free(core, handle);
  pt_core_update_deadline(core);
  return status;
}

static int accept_server_hello(pt_core *core, pt_handle handle, pt_connection *connection,
                               const char *message, size_t length) {
  int status = pt_server_hello_parse(message, length, &connection->server_hello);
  if (status != PT_OK) {
    pt_connection_close(core, handle, status);
    return status;
  }
  char normalised[PT_GATEWAY_MAX_MESSAGE];
  status = pt_server_hello_build(&connection->server_hello, normalised, sizeof normalised, NULL);
  if (status == PT_OK) {
    status = pt_core_emit_json(core, handle, PT_EVENT_CONNECTION_READY, normalised);
  }
  if (status != PT_OK) {
    pt_connection_close(core, handle, status);
    return status;
  }
  connection->state = PT_CONNECTION_READY;
  connection->hello_deadline_ms = -1.0;
  return PT_OK;
}

int pt_connection_receive(pt_core *core, pt_handle handle, const char *message, size_t length,
                          double now_ms) {
  (void)now_ms;
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) {
    return status;
  }
  if (message == NULL && length > 0) {
    return PT_ERR_INVALID_ARGUMENT;
  }
  if (connection->state == PT_CONNECTION_AWAITING_HELLO) {
    status = accept_server_hello(core, handle, connection, message, length);
  } else {
    status = PT_ERR_UNEXPECTED_MESSAGE; /* later gateway messages arrive with the network layer */
  }
  pt_core_update_deadline(core);
  return status;
}

int pt_connection_state_of(const pt_core *core, pt_handle handle) {
  int status;
  const pt_connection *connection = lookup(core, handle, &status);
  return connection == NULL ? status : (int)connection->state;
}

double pt_connection_deadline(const pt_core *core, pt_handle handle) {
  int status;
  const pt_connection *connection = lookup(core, handle, &status);
  return connection == NULL ? -1.0 : connection->hello_deadline_ms;
}

int pt_connection_handle_timeout(pt_core *core, pt_handle handle, double now_ms) {
  int status;
  pt_connection *connection = lookup(core, handle, &status);
  if (connection == NULL) {
    return status;
  }
  if (connection->hello_deadline_ms >= 0 && now_ms >= connection->hello_deadline_ms) {
    return pt_connection_close(core, handle, PT_ERR_TIMEOUT);
  }
  return PT_OK;
}

void pt_connection_free(pt_core *core, pt_handle handle) {
  void *object = NULL;
  if (pt_registry_release(&core->registry, handle, PT_KIND_CONNECTION, &object) == PT_OK) {
    free(object);
  }
}
