# Case 2: the TPM swtpm emulates is visible with both character devices,
# and the kernel exposes its PCRs through sysfs.
for dev in /dev/tpm0 /dev/tpmrm0; do
	[ -c "$dev" ] && echo "CFSTEST: ${dev#/dev/}=present"
done
echo "CFSTEST: tpm_version=$(cat /sys/class/tpm/tpm0/tpm_version_major)"
echo "CFSTEST: pcr15=$(cat /sys/class/tpm/tpm0/pcr-sha256/15)"
