# control/lib/lib.mk - the daemon's small libraries, $(BUILD)/control/lib.a: logging, the text
# buffer, the event loop, and the kernel neighbour table over rtnetlink (neigh.o; a program that
# uses it also links -lmnl). Nothing here depends on the rest of control/.
#
# Each folder of control/ is one such archive, linked by the literal path: the fragments are
# read in name order, so a variable of a later fragment would still be empty where a rule's
# prerequisites are read.
LIB_OBJS := $(BUILD)/control/lib/log.o $(BUILD)/control/lib/textbuf.o \
	$(BUILD)/control/lib/evloop.o $(BUILD)/control/lib/neigh.o

$(BUILD)/control/lib.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
