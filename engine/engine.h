/* engine.h - the inference engine (not yet implemented; see the predict issue). */
#ifndef DLFS_ENGINE_H
#define DLFS_ENGINE_H

/* Identifies the engine build (placeholder until the engine exists). */
const char *eng_version(void);

#endif
