package io.cloaca.python;

/**
 * The pickle opcodes (protocols 2 to 4) that {@link PickledJson} writes and {@link PlainPickleReader}
 * reads: those of plain values, the memo and the frame, as Python's {@code pickletools} names them.
 * Chars, so that a writer can append them as they are.
 */
final class PickleOpcodes {

    static final char PROTO = 0x80, FRAME = 0x95, STOP = '.', MARK = '(';
    static final char NONE = 'N', NEWTRUE = 0x88, NEWFALSE = 0x89;
    static final char BININT = 'J', BININT1 = 'K', BININT2 = 'M', LONG1 = 0x8a, LONG4 = 0x8b, BINFLOAT = 'G';
    static final char SHORT_BINUNICODE = 0x8c, BINUNICODE = 'X', BINUNICODE8 = 0x8d;
    static final char EMPTY_LIST = ']', APPEND = 'a', APPENDS = 'e', EMPTY_DICT = '}', SETITEM = 's',
            SETITEMS = 'u', EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91;
    static final char EMPTY_TUPLE = ')', TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, TUPLE = 't';
    static final char MEMOIZE = 0x94, BINPUT = 'q', LONG_BINPUT = 'r', BINGET = 'h', LONG_BINGET = 'j';

    private PickleOpcodes() {
    }
}
