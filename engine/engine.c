/* engine.c - placeholder translation unit: the inference engine arrives with the predict
 * issue. Keeps the dlfs_engine target (and its OpenBLAS link) in the build from day one. */
#include "engine/engine.h"

const char *eng_version(void)
{
	return "none";
}
