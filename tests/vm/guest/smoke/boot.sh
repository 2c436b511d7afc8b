# Case 1: the kernel reached /init; the generic /init reports the uptime.
echo "CFSTEST: boot=ok"
