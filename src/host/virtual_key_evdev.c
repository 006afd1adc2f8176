#include "host/virtual_key_evdev.h"

#include <linux/input-event-codes.h>

#include "input/virtual_key.h"

/* Indexed by VirtualKey (the SDK's numbering, docs/PROTOCOL.md); 0 where evdev has no such key. */
static const unsigned short evdev_of[PT_VIRTUAL_KEY_MAX + 1] = {
    [1] = KEY_CANCEL,     [2] = KEY_BACKSPACE,  [3] = KEY_TAB,        [4] = KEY_LINEFEED,   [6] = KEY_ENTER,
    [7] = KEY_PAUSE,      [8] = KEY_CAPSLOCK,   [9] = KEY_HANGEUL,    [12] = KEY_HANJA,     [13] = KEY_ESC,
    [14] = KEY_HENKAN,    [15] = KEY_MUHENKAN,  [18] = KEY_SPACE,     [19] = KEY_PAGEUP,    [20] = KEY_PAGEDOWN,
    [21] = KEY_END,       [22] = KEY_HOME,      [23] = KEY_LEFT,      [24] = KEY_UP,        [25] = KEY_RIGHT,
    [26] = KEY_DOWN,      [28] = KEY_PRINT,     [30] = KEY_SYSRQ,     [31] = KEY_INSERT,    [32] = KEY_DELETE,
    [33] = KEY_HELP,
    /* D0..D9 */
    [34] = KEY_0,         [35] = KEY_1,         [36] = KEY_2,         [37] = KEY_3,         [38] = KEY_4,
    [39] = KEY_5,         [40] = KEY_6,         [41] = KEY_7,         [42] = KEY_8,         [43] = KEY_9,
    /* A..Z */
    [44] = KEY_A,         [45] = KEY_B,         [46] = KEY_C,         [47] = KEY_D,         [48] = KEY_E,
    [49] = KEY_F,         [50] = KEY_G,         [51] = KEY_H,         [52] = KEY_I,         [53] = KEY_J,
    [54] = KEY_K,         [55] = KEY_L,         [56] = KEY_M,         [57] = KEY_N,         [58] = KEY_O,
    [59] = KEY_P,         [60] = KEY_Q,         [61] = KEY_R,         [62] = KEY_S,         [63] = KEY_T,
    [64] = KEY_U,         [65] = KEY_V,         [66] = KEY_W,         [67] = KEY_X,         [68] = KEY_Y,
    [69] = KEY_Z,
    [70] = KEY_LEFTMETA,  [71] = KEY_RIGHTMETA, [72] = KEY_COMPOSE,   [73] = KEY_SLEEP,
    /* NumPad0..NumPad9, then Multiply, Add, Separator, Subtract, Decimal, Divide */
    [74] = KEY_KP0,       [75] = KEY_KP1,       [76] = KEY_KP2,       [77] = KEY_KP3,       [78] = KEY_KP4,
    [79] = KEY_KP5,       [80] = KEY_KP6,       [81] = KEY_KP7,       [82] = KEY_KP8,       [83] = KEY_KP9,
    [84] = KEY_KPASTERISK, [85] = KEY_KPPLUS,   [86] = KEY_KPCOMMA,   [87] = KEY_KPMINUS,   [88] = KEY_KPDOT,
    [89] = KEY_KPSLASH,
    /* F1..F24 */
    [90] = KEY_F1,        [91] = KEY_F2,        [92] = KEY_F3,        [93] = KEY_F4,        [94] = KEY_F5,
    [95] = KEY_F6,        [96] = KEY_F7,        [97] = KEY_F8,        [98] = KEY_F9,        [99] = KEY_F10,
    [100] = KEY_F11,      [101] = KEY_F12,      [102] = KEY_F13,      [103] = KEY_F14,      [104] = KEY_F15,
    [105] = KEY_F16,      [106] = KEY_F17,      [107] = KEY_F18,      [108] = KEY_F19,      [109] = KEY_F20,
    [110] = KEY_F21,      [111] = KEY_F22,      [112] = KEY_F23,      [113] = KEY_F24,
    [114] = KEY_NUMLOCK,  [115] = KEY_SCROLLLOCK, [116] = KEY_LEFTSHIFT, [117] = KEY_RIGHTSHIFT,
    [118] = KEY_LEFTCTRL, [119] = KEY_RIGHTCTRL, [120] = KEY_LEFTALT,  [121] = KEY_RIGHTALT,
    [122] = KEY_BACK,     [123] = KEY_FORWARD,  [124] = KEY_REFRESH,  [125] = KEY_STOP,     [126] = KEY_SEARCH,
    [127] = KEY_BOOKMARKS, [128] = KEY_HOMEPAGE, [129] = KEY_MUTE,    [130] = KEY_VOLUMEDOWN, [131] = KEY_VOLUMEUP,
    [132] = KEY_NEXTSONG, [133] = KEY_PREVIOUSSONG, [134] = KEY_STOPCD, [135] = KEY_PLAYPAUSE, [136] = KEY_MAIL,
    [137] = KEY_MEDIA,    [138] = KEY_COMPUTER, [139] = KEY_CALC,
    /* Oem1 ; Oem+ = Oem, , Oem- - Oem. . Oem2 / Oem3 ` AbntC1 (Ro) */
    [140] = KEY_SEMICOLON, [141] = KEY_EQUAL,   [142] = KEY_COMMA,    [143] = KEY_MINUS,    [144] = KEY_DOT,
    [145] = KEY_SLASH,    [146] = KEY_GRAVE,    [147] = KEY_RO,
    /* Oem4 [ Oem5 \ Oem6 ] Oem7 ' Oem102 (the key between left shift and Z) */
    [149] = KEY_LEFTBRACE, [150] = KEY_BACKSLASH, [151] = KEY_RIGHTBRACE, [152] = KEY_APOSTROPHE, [154] = KEY_102ND,
    [167] = KEY_PLAY,
};

int pt_virtual_key_to_evdev(int virtual_key) {
  return virtual_key >= 0 && virtual_key <= PT_VIRTUAL_KEY_MAX ? evdev_of[virtual_key] : 0;
}
