/* updater.h - splitting updaterState.bin per layer/parameter/state (FORMAT.md section 8).
 */
#ifndef DLFS_UPDATER_H
#define DLFS_UPDATER_H

#include <stdint.h>

#include "codec/err.h"
#include "codec/model.h"

struct upd_slice {
	char *key;   /* parameter key, e.g. "0_W" (owned) */
	char *state; /* state name, e.g. "m", "v", "lastGradient" (owned) */
	int param;   /* index into m->params */
	int rank;
	int64_t shape[TENSOR_MAX_RANK];
	char order;
	int64_t offset; /* first element within updaterState */
	int64_t count;
};

struct upd_layout {
	int n;
	struct upd_slice *s; /* owned */
};

/* Computes the slices for an updater state of n_state elements. Uses the 0.9+ block
 * layout, or the per-parameter layout when m->legacy_updater_layout. A total that does
 * not match n_state is -EBADMSG ("updater state holds X values, Adam needs Y"); an
 * unknown updater is -ENOTSUP. *out owned (codec_updater_free). */
int codec_updater_layout(const struct model *m, int64_t n_state, struct upd_layout **out,
			 struct err *e);

void codec_updater_free(struct upd_layout *u);

#endif
