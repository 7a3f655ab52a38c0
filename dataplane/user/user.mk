# dataplane/user: the userspace runner of the packet core, plus the table interface it shares
# with the XDP runner (control/fastpath/lbtables*.c). Linked into tests, benchmarks and edgelbd.
$(BUILD)/libedgelb-tables.a: $(BUILD)/control/fastpath/lbtables.o $(BUILD)/control/fastpath/lbtables_bpf.o \
		$(BUILD)/dataplane/user/user_tables.o
	ar rcs $@ $^
BINS += $(BUILD)/libedgelb-tables.a
