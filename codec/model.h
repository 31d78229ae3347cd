/* model.h - the plain-data description of a DL4J network, produced by the codec
 * (codec_conf_parse + codec_layout) and consumed by the engine and the fs views.
 *
 * No libarchive or jansson type appears here. Every string and array is owned by the
 * struct model that contains it; model_free() releases everything.
 */
#ifndef DLFS_MODEL_H
#define DLFS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "codec/tensor.h"

enum net_type { NET_MLN, NET_CG };

/* Which JSON dialect the configuration used (drives the DL4J era guess). */
enum json_dialect {
	JD_LEGACY_STRING_ACT, /* wrapper keys + "activationFunction": "relu" (0.5 - 0.7.x) */
	JD_LEGACY_WRAPPER,    /* wrapper keys + {"ReLU": {}} activations (0.8.0 - 1.0.0-alpha) */
	JD_CLASS,             /* "@class" everywhere (1.0.0-beta+) */
};

enum act_kind {
	ACT_IDENTITY,
	ACT_RELU,
	ACT_LEAKYRELU,
	ACT_TANH,
	ACT_SIGMOID,
	ACT_SOFTMAX,
	ACT_LOGSOFTMAX,
	ACT_ELU,
	ACT_SELU,
	ACT_SOFTSIGN,
	ACT_SOFTPLUS,
	ACT_HARDTANH,
	ACT_HARDSIGMOID,
	ACT_CUBE,
	ACT_RELU6,
	ACT_RECTIFIEDTANH,
	ACT_RATIONALTANH,
	ACT_SWISH,
	ACT_RRELU,
	ACT_GELU,
	ACT_MISH,
	ACT_THRESHOLDEDRELU,
	ACT_UNKNOWN, /* name[] holds what the JSON said */
	ACT__COUNT
};

struct activation {
	enum act_kind kind;
	/* Parameters where the activation has them, NAN when absent:
	 * LReLU/ELU/ThresholdedReLU: p[0] = alpha/theta; RReLU: p[0] = l, p[1] = u;
	 * ReLU (beta7+): p[0] = max, p[1] = threshold, p[2] = negativeSlope. */
	double p[3];
	char name[64]; /* as written: "ReLU", "relu", "ActivationReLU" */
};

enum layer_kind {
	LK_DENSE,
	LK_OUTPUT,
	LK_RNN_OUTPUT,
	LK_CENTER_LOSS_OUTPUT,
	LK_LOSS,
	LK_CNN_LOSS,
	LK_RNN_LOSS,
	LK_CONV1D,
	LK_CONV2D,
	LK_CONV3D,
	LK_DECONV2D,
	LK_SEPCONV2D,
	LK_DWCONV2D,
	LK_SUBSAMPLING1D,
	LK_SUBSAMPLING2D,
	LK_SUBSAMPLING3D,
	LK_GLOBAL_POOLING,
	LK_UPSAMPLING1D,
	LK_UPSAMPLING2D,
	LK_ZEROPAD1D,
	LK_ZEROPAD2D,
	LK_CROPPING1D,
	LK_CROPPING2D,
	LK_BATCHNORM,
	LK_LRN,
	LK_ACTIVATION,
	LK_DROPOUT,
	LK_LSTM,
	LK_GRAVES_LSTM,
	LK_GRAVES_BILSTM,
	LK_SIMPLE_RNN,
	LK_BIDIRECTIONAL, /* inner layers in fwd/bwd */
	LK_LAST_TIME_STEP, /* wrapper: inner layer in fwd */
	LK_MASK_ZERO,      /* wrapper: inner layer in fwd */
	LK_EMBEDDING,
	LK_EMBEDDING_SEQ,
	LK_PRELU,
	LK_ELEMENTWISE_MULT,
	LK_AUTOENCODER,
	LK_VAE,
	LK_YOLO2,
	LK_OPAQUE, /* unknown class: custom layer, SameDiff layer ... */
	LK__COUNT
};

enum conv_mode { CM_TRUNCATE, CM_SAME, CM_STRICT, CM_CAUSAL };
enum pool_type { POOL_MAX, POOL_AVG, POOL_SUM, POOL_PNORM };
enum bidir_mode { BI_CONCAT, BI_ADD, BI_MUL, BI_AVERAGE };

enum preproc_kind {
	PP_NONE,
	PP_CNN_TO_FF,
	PP_FF_TO_CNN,
	PP_RNN_TO_FF,
	PP_FF_TO_RNN,
	PP_CNN_TO_RNN,
	PP_RNN_TO_CNN,
	PP_CNN3D_TO_FF,
	PP_FF_TO_CNN3D,
	PP_COMPOSABLE, /* chain in sub[] */
	PP_RESHAPE,
	PP_UNKNOWN, /* name[] holds the class */
};

struct preproc {
	enum preproc_kind kind;
	char name[96];         /* class or legacy key as written */
	int64_t height, width, channels, depth; /* -1 when absent */
	char format[8];        /* "NCHW", "NHWC", "NCDHW", ... or "" */
	int n_sub;             /* PP_COMPOSABLE */
	struct preproc *sub;   /* owned array of n_sub */
	int rank;              /* PP_RESHAPE: target shape */
	int64_t shape[TENSOR_MAX_RANK];
};

struct layer {
	enum layer_kind kind;
	char *cls;   /* class as written: full "@class" or legacy wrapper key (owned) */
	char *name;  /* layerName, else MLN index / CG vertex name (owned) */
	int64_t n_in, n_out; /* -1 when absent */
	struct activation act;
	struct activation gate_act; /* recurrent layers */
	bool has_bias;
	bool has_layer_norm;
	bool frozen; /* was wrapped in FrozenLayer / FrozenLayerWithBackprop */
	char *loss;  /* loss function name for output layers, or NULL (owned) */

	/* convolution / pooling / padding; nd = number of spatial dims (1, 2 or 3) */
	int nd;
	int64_t kernel[3], stride[3], pad[3], dilation[3];
	enum conv_mode conv_mode;
	enum pool_type pool;
	double pnorm;
	double eps;           /* pooling eps, BN eps */
	bool avg_include_pad; /* avgPoolIncludePadInDivisor (absent: true) */
	int64_t depth_mult;
	int64_t crop[6];      /* [top,bottom,left,right] (1D: [left,right]) */
	int64_t zpad[6];
	int64_t up_size[3];
	char data_format[8];  /* "NCHW", "NHWC", "NCDHW", "NCW", "NWC" or "" */

	/* global pooling */
	int n_pool_dims; /* 0 = default */
	int pool_dims[4];
	bool collapse;

	/* batch normalization */
	double bn_decay;
	bool lock_gamma_beta;
	double bn_gamma, bn_beta;
	bool use_log_std;

	/* local response normalization */
	double lrn_k, lrn_n, lrn_alpha, lrn_beta;

	/* wrappers: Bidirectional (fwd, bwd), LastTimeStep / MaskZero (fwd); owned */
	enum bidir_mode bidir;
	struct layer *fwd, *bwd;
	double mask_value; /* MaskZero */

	/* PReLU */
	int n_input_shape;
	int64_t input_shape[4];
	int n_shared_axes;
	int64_t shared_axes[4];

	/* VAE: encoder/decoder sizes, distribution input width factor */
	int n_enc, n_dec;
	int64_t *enc_sizes, *dec_sizes; /* owned */
	struct activation pzx_act;
	int64_t pxz_width; /* width of pXZ (distribution input size), -1 unknown */

	/* updater, for updaterState.bin splitting (§8). updater: simple class name
	 * ("Adam", "RmsProp", "Sgd", ... ; legacy enum mapped the same way) or NULL.
	 * updater_cfg: canonical text of the full config, compared for block grouping.
	 * bias_updater*: NULL when the bias uses `updater`. All owned. */
	char *updater, *updater_cfg, *bias_updater, *bias_updater_cfg;

	struct preproc *pre; /* input preprocessor (MLN inputPreProcessors / CG LayerVertex), owned */

	/* parameters: indices into model->params (filled by codec_layout) */
	int first_param, n_params;
	int64_t param_count;

	char **variables; /* the conf's "variables" list when present (owned), n_variables entries */
	int n_variables;

	char *json; /* the layer object, compact JSON text as found (owned), for views */
};

enum vertex_kind {
	VK_INPUT,
	VK_LAYER,
	VK_MERGE,
	VK_ELEMENTWISE,
	VK_SUBSET,
	VK_STACK,
	VK_UNSTACK,
	VK_PREPROC,
	VK_L2NORMALIZE,
	VK_L2,
	VK_SCALE,
	VK_SHIFT,
	VK_RESHAPE,
	VK_DUP_TO_TS,
	VK_LAST_TS,
	VK_REVERSE_TS,
	VK_POOL_HELPER,
	VK_OPAQUE, /* unknown vertex class, e.g. SameDiffLambdaVertex */
	VK__COUNT
};

struct vertex {
	enum vertex_kind kind;
	char *name; /* owned */
	char *cls;  /* owned; "input" for network inputs */
	int n_inputs;
	int *inputs; /* indices into model->vertices (owned) */
	int layer;   /* VK_LAYER: index into model->layers, else -1 */
	char op[16]; /* ElementWise: "Add", "Subtract", "Product", "Average", "Max" */
	int64_t from, to;       /* Subset (inclusive), Unstack: from */
	int64_t stack_size;     /* Unstack */
	double scale;           /* Scale / Shift factor */
	double l2_eps;          /* L2Normalize eps */
	int n_dims;             /* L2Normalize dimensions */
	int64_t dims[4];
	int reshape_rank;       /* Reshape */
	int64_t reshape[TENSOR_MAX_RANK];
	char reshape_order;
	struct preproc *pre;    /* VK_PREPROC (owned) */
	char *ref_input;        /* DuplicateToTimeSeries / LastTimeStep mask input name (owned) */
	bool is_output;
	char *json;             /* vertex object as compact JSON (owned) */
};

struct param {
	char *key;      /* DL4J flat key: "0_W", "dense1_W", "rnn1_fW" (owned) */
	char *short_key; /* within the layer: "W", "fW" (owned) */
	int layer;      /* index into model->layers */
	int rank;
	int64_t shape[TENSOR_MAX_RANK];
	char order;     /* 'c' or 'f': how the flat slice is laid out */
	int64_t offset; /* first element within coefficients */
	int64_t count;
};

struct model {
	enum net_type type;
	enum json_dialect dialect;
	enum dtype dtype;   /* from "dataType" when present (beta4+), else DT_F32 */
	bool has_dtype;     /* "dataType" was present */
	bool legacy_updater_layout; /* config predates 0.9.0 (per-layer "updater" enums) */

	int n_layers;
	struct layer *layers; /* MLN: index order. CG: layer vertices in topological order */

	/* CG only: vertices in topological order (network inputs first). */
	int n_vertices;
	struct vertex *vertices;
	int n_inputs, n_outputs;
	char **inputs, **outputs; /* network input/output names (owned) */

	/* filled by codec_layout */
	int n_params;
	struct param *params;
	int64_t n_coeffs;
	bool flat_remainder; /* opaque parameters could not be split: one flat param */

	char *backprop_type; /* "Standard", "TruncatedBPTT" (owned) or NULL */
	int64_t tbptt_fwd, tbptt_back;
};

/* Frees the model and everything it owns. NULL is a no-op. */
void model_free(struct model *m);

/* Name tables for messages and views. */
const char *layer_kind_name(enum layer_kind k);  /* "DenseLayer", ... */
const char *vertex_kind_name(enum vertex_kind k); /* "MergeVertex", ... */
const char *act_kind_name(enum act_kind k);      /* "relu", "tanh", ... */

#endif
