/* conf_layer.c - one layer, activation, loss, updater or preprocessor object of
 * configuration.json -> plain data (FORMAT.md 5.1, 5.4), in both JSON dialects.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec/alloc.h"
#include "codec/conf_int.h"

/* ------------------------------------------------------------------ class tables */

struct layer_name {
	const char *name; /* simple class name or legacy wrapper key */
	enum layer_kind kind;
};

/* Simple class names (org.deeplearning4j.nn.conf.layers.**) and the legacy wrapper keys
 * of LegacyLayerDeserializer / LegacyJsonFormat. */
static const struct layer_name layer_names[] = {
	{ "DenseLayer", LK_DENSE },
	{ "dense", LK_DENSE },
	{ "OutputLayer", LK_OUTPUT },
	{ "output", LK_OUTPUT },
	{ "RnnOutputLayer", LK_RNN_OUTPUT },
	{ "rnnoutput", LK_RNN_OUTPUT },
	{ "CenterLossOutputLayer", LK_CENTER_LOSS_OUTPUT },
	{ "LossLayer", LK_LOSS },
	{ "loss", LK_LOSS },
	{ "CnnLossLayer", LK_CNN_LOSS },
	{ "RnnLossLayer", LK_RNN_LOSS },
	{ "Convolution1DLayer", LK_CONV1D },
	{ "Convolution1D", LK_CONV1D },
	{ "convolution1d", LK_CONV1D },
	{ "ConvolutionLayer", LK_CONV2D },
	{ "Convolution2D", LK_CONV2D },
	{ "convolution", LK_CONV2D },
	{ "Convolution3D", LK_CONV3D },
	{ "Deconvolution2D", LK_DECONV2D },
	{ "SeparableConvolution2D", LK_SEPCONV2D },
	{ "DepthwiseConvolution2D", LK_DWCONV2D },
	{ "Subsampling1DLayer", LK_SUBSAMPLING1D },
	{ "Pooling1D", LK_SUBSAMPLING1D },
	{ "subsampling1d", LK_SUBSAMPLING1D },
	{ "SubsamplingLayer", LK_SUBSAMPLING2D },
	{ "Pooling2D", LK_SUBSAMPLING2D },
	{ "subsampling", LK_SUBSAMPLING2D },
	{ "Subsampling3DLayer", LK_SUBSAMPLING3D },
	{ "GlobalPoolingLayer", LK_GLOBAL_POOLING },
	{ "GlobalPooling", LK_GLOBAL_POOLING },
	{ "Upsampling1D", LK_UPSAMPLING1D },
	{ "Upsampling2D", LK_UPSAMPLING2D },
	{ "ZeroPadding1DLayer", LK_ZEROPAD1D },
	{ "zeroPadding1d", LK_ZEROPAD1D },
	{ "ZeroPaddingLayer", LK_ZEROPAD2D },
	{ "zeroPadding", LK_ZEROPAD2D },
	{ "Cropping1D", LK_CROPPING1D },
	{ "Cropping2D", LK_CROPPING2D },
	{ "BatchNormalization", LK_BATCHNORM },
	{ "batchNormalization", LK_BATCHNORM },
	{ "LocalResponseNormalization", LK_LRN },
	{ "localResponseNormalization", LK_LRN },
	{ "ActivationLayer", LK_ACTIVATION },
	{ "activation", LK_ACTIVATION },
	{ "DropoutLayer", LK_DROPOUT },
	{ "dropout", LK_DROPOUT },
	{ "LSTM", LK_LSTM },
	{ "GravesLSTM", LK_GRAVES_LSTM },
	{ "gravesLSTM", LK_GRAVES_LSTM },
	{ "GravesBidirectionalLSTM", LK_GRAVES_BILSTM },
	{ "gravesBidirectionalLSTM", LK_GRAVES_BILSTM },
	{ "SimpleRnn", LK_SIMPLE_RNN },
	{ "Bidirectional", LK_BIDIRECTIONAL },
	{ "LastTimeStep", LK_LAST_TIME_STEP },
	{ "MaskZeroLayer", LK_MASK_ZERO },
	{ "EmbeddingLayer", LK_EMBEDDING },
	{ "embedding", LK_EMBEDDING },
	{ "EmbeddingSequenceLayer", LK_EMBEDDING_SEQ },
	{ "PReLULayer", LK_PRELU },
	{ "ElementWiseMultiplicationLayer", LK_ELEMENTWISE_MULT },
	{ "ElementWiseMult", LK_ELEMENTWISE_MULT },
	{ "AutoEncoder", LK_AUTOENCODER },
	{ "autoEncoder", LK_AUTOENCODER },
	{ "VariationalAutoencoder", LK_VAE },
	{ "Yolo2OutputLayer", LK_YOLO2 },
};

/* Known DL4J layers without a layer_kind that hold no parameters. */
static const char *const no_param_names[] = {
	"MaskLayer",	      "SpaceToDepthLayer", "SpaceToBatchLayer", "Upsampling3D",
	"ZeroPadding3DLayer", "Cropping3D",	   "RepeatVector",	"GlobalPooling3D",
};

#define CLASS_PREFIX_LAYERS "org.deeplearning4j.nn.conf.layers."
#define CLASS_PREFIX_ACT    "org.nd4j.linalg.activations.impl.Activation"
#define CLASS_PREFIX_UPD    "org.nd4j.linalg.learning.config."
#define CLASS_PREFIX_LOSS   "org.nd4j.linalg.lossfunctions.impl."
#define CLASS_PREFIX_PRE    "org.deeplearning4j.nn.conf.preprocessor."

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Known layer classes are matched only inside DL4J's own package, so that a user class
 * called com.example.DenseLayer stays opaque. */
static bool is_dl4j_layer_class(const char *cls, bool is_class)
{
	return !is_class || has_prefix(cls, CLASS_PREFIX_LAYERS);
}

static int lookup_layer_kind(const char *cls, bool is_class, enum layer_kind *kind)
{
	const char *s = is_class ? conf_simple_name(cls) : cls;

	if (!is_dl4j_layer_class(cls, is_class))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(layer_names); i++)
		if (strcmp(layer_names[i].name, s) == 0) {
			*kind = layer_names[i].kind;
			return 0;
		}
	return -1;
}

bool conf_opaque_has_no_params(const char *cls)
{
	bool is_class = cls && strchr(cls, '.');
	const char *s;

	if (!cls || !is_dl4j_layer_class(cls, is_class))
		return false;
	s = is_class ? conf_simple_name(cls) : cls;
	for (size_t i = 0; i < ARRAY_SIZE(no_param_names); i++)
		if (strcmp(no_param_names[i], s) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ activations */

struct act_name {
	const char *name; /* lower case, without the "Activation" class prefix */
	enum act_kind kind;
};

static const struct act_name act_names[] = {
	{ "identity", ACT_IDENTITY },
	{ "linear", ACT_IDENTITY },
	{ "relu", ACT_RELU },
	{ "leakyrelu", ACT_LEAKYRELU },
	{ "lrelu", ACT_LEAKYRELU },
	{ "tanh", ACT_TANH },
	{ "sigmoid", ACT_SIGMOID },
	{ "softmax", ACT_SOFTMAX },
	{ "logsoftmax", ACT_LOGSOFTMAX },
	{ "elu", ACT_ELU },
	{ "selu", ACT_SELU },
	{ "softsign", ACT_SOFTSIGN },
	{ "softplus", ACT_SOFTPLUS },
	{ "hardtanh", ACT_HARDTANH },
	{ "hardsigmoid", ACT_HARDSIGMOID },
	{ "cube", ACT_CUBE },
	{ "relu6", ACT_RELU6 },
	{ "rectifiedtanh", ACT_RECTIFIEDTANH },
	{ "rationaltanh", ACT_RATIONALTANH },
	{ "swish", ACT_SWISH },
	{ "rrelu", ACT_RRELU },
	{ "gelu", ACT_GELU },
	{ "mish", ACT_MISH },
	{ "thresholdedrelu", ACT_THRESHOLDEDRELU },
};

static enum act_kind lookup_act(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(act_names); i++)
		if (strcasecmp(act_names[i].name, s) == 0)
			return act_names[i].kind;
	return ACT_UNKNOWN;
}

static void act_init(struct activation *a, enum act_kind kind, const char *name)
{
	a->kind = kind;
	a->p[0] = a->p[1] = a->p[2] = (double)NAN;
	conf_strlcpy(a->name, name, sizeof(a->name));
}

/* Parameters of the activations that have them; DL4J's defaults when the JSON (or the
 * 0.5-0.7 string form) does not say. */
static int act_params(struct conf_ctx *c, json_t *body, struct activation *a)
{
	int rc = 0;

	switch (a->kind) {
	case ACT_LEAKYRELU:
		rc = cj_f64(c, body, "alpha", 0.01, &a->p[0]);
		break;
	case ACT_ELU:
		rc = cj_f64(c, body, "alpha", 1.0, &a->p[0]);
		break;
	case ACT_THRESHOLDEDRELU:
		rc = cj_f64(c, body, "theta", 1.0, &a->p[0]);
		break;
	case ACT_RRELU:
		rc = cj_f64(c, body, "l", 1.0 / 8, &a->p[0]);
		if (!rc)
			rc = cj_f64(c, body, "u", 1.0 / 3, &a->p[1]);
		break;
	case ACT_RELU: /* beta7+: max, threshold, negativeSlope; null = plain ReLU */
		rc = cj_f64(c, body, "max", (double)NAN, &a->p[0]);
		if (!rc)
			rc = cj_f64(c, body, "threshold", (double)NAN, &a->p[1]);
		if (!rc)
			rc = cj_f64(c, body, "negativeSlope", (double)NAN, &a->p[2]);
		break;
	default:
		break;
	}
	return rc;
}

/* v: a string (0.5-0.7), a wrapper object {"ReLU": {}} or an "@class" object; NULL or
 * JSON null leaves *a as given (the caller's default). */
static int parse_act(struct conf_ctx *c, json_t *v, const char *what, struct activation *a)
{
	const char *cls, *s;
	json_t *body;
	bool is_class;
	int rc;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		act_init(a, lookup_act(s), s);
		c->saw_string_act = true;
		return act_params(c, json_null(), a);
	}
	rc = conf_unwrap(c, v, what, &cls, &body, &is_class);
	if (rc)
		return rc;
	if (is_class) {
		s = conf_simple_name(cls);
		if (has_prefix(cls, CLASS_PREFIX_ACT))
			act_init(a, lookup_act(cls + strlen(CLASS_PREFIX_ACT)), s);
		else
			act_init(a, ACT_UNKNOWN, s);
	} else {
		act_init(a, lookup_act(cls), cls);
	}
	return act_params(c, body, a);
}

/* ------------------------------------------------------------------ loss, updater */

static int parse_loss(struct conf_ctx *c, json_t *body, struct layer *l)
{
	json_t *v = json_object_get(body, "lossFn");
	const char *cls, *s = NULL;
	json_t *inner;
	bool is_class;
	int rc;

	if (v && !json_is_null(v)) {
		rc = conf_unwrap(c, v, "lossFn", &cls, &inner, &is_class);
		if (rc)
			return rc;
		s = cls;
		if (is_class) {
			s = conf_simple_name(cls);
			if (has_prefix(cls, CLASS_PREFIX_LOSS) && strncmp(s, "Loss", 4) == 0 &&
			    s[4])
				s += 4;
		}
	} else {
		rc = cj_str(c, body, "lossFunction", &s); /* 0.5.0 enum */
		if (rc)
			return rc;
	}
	if (!s)
		return 0;
	l->loss = dl_strdup(s);
	return l->loss ? 0 : err_set(c->e, -ENOMEM, "out of memory");
}

static const struct {
	const char *legacy;
	const char *name;
} updater_names[] = {
	{ "SGD", "Sgd" },	    { "ADAM", "Adam" },
	{ "ADADELTA", "AdaDelta" }, { "NESTEROVS", "Nesterovs" },
	{ "ADAGRAD", "AdaGrad" },   { "RMSPROP", "RmsProp" },
	{ "NONE", "NoOp" },	    { "ADAMAX", "AdaMax" },
	{ "NADAM", "Nadam" },	    { "AMSGRAD", "AMSGrad" },
	{ "CUSTOM", "Custom" },
};

/* Hyper-parameters of the pre-0.9 per-layer updater enum that affect its state. */
static const char *const legacy_updater_keys[] = {
	"learningRate",	    "momentum",		  "rmsDecay",	  "rho",
	"epsilon",	    "adamMeanDecay",	  "adamVarDecay", "learningRateSchedule",
	"momentumSchedule", "learningRatePolicy",
};

/* An IUpdater object ("@class" or wrapper) -> simple name + canonical text. */
static int parse_iupdater(struct conf_ctx *c, json_t *v, const char *what, char **name, char **cfg)
{
	const char *cls;
	json_t *body;
	bool is_class;
	int rc = conf_unwrap(c, v, what, &cls, &body, &is_class);

	if (rc)
		return rc;
	*name = dl_strdup(is_class ? conf_simple_name(cls) : cls);
	if (!*name)
		return err_set(c->e, -ENOMEM, "out of memory");
	return conf_dump(c, v, true, cfg);
}

static int parse_legacy_updater(struct conf_ctx *c, json_t *body, const char *enum_name,
				struct layer *l)
{
	const char *name = enum_name;
	json_t *o;
	int rc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(updater_names); i++)
		if (strcasecmp(updater_names[i].legacy, enum_name) == 0)
			name = updater_names[i].name;
	l->updater = dl_strdup(name);
	o = json_object();
	if (!l->updater || !o) {
		json_decref(o);
		return err_set(c->e, -ENOMEM, "out of memory");
	}
	if (json_object_set_new(o, "updater", json_string(name)))
		rc = err_set(c->e, -ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < ARRAY_SIZE(legacy_updater_keys); i++) {
		json_t *x = json_object_get(body, legacy_updater_keys[i]);

		if (x && !json_is_null(x) && json_object_set(o, legacy_updater_keys[i], x))
			rc = err_set(c->e, -ENOMEM, "out of memory");
	}
	if (!rc)
		rc = conf_dump(c, o, true, &l->updater_cfg);
	json_decref(o);
	return rc;
}

static int parse_updater(struct conf_ctx *c, json_t *body, struct layer *l)
{
	json_t *iu = json_object_get(body, "iupdater");
	json_t *bu = json_object_get(body, "biasUpdater");
	json_t *u = json_object_get(body, "updater");
	const char *legacy;
	int rc;

	if (iu && !json_is_null(iu)) {
		rc = parse_iupdater(c, iu, "iupdater", &l->updater, &l->updater_cfg);
	} else if (json_is_object(u)) { /* SameDiff layers: "updater": {"@class": ...} */
		rc = parse_iupdater(c, u, "updater", &l->updater, &l->updater_cfg);
	} else {
		rc = cj_str(c, body, "updater", &legacy);
		if (!rc && legacy) {
			c->legacy_updater = true;
			rc = parse_legacy_updater(c, body, legacy, l);
		}
	}
	if (!rc && bu && !json_is_null(bu))
		rc = parse_iupdater(c, bu, "biasUpdater", &l->bias_updater, &l->bias_updater_cfg);
	return rc;
}

/* ------------------------------------------------------------------ enums */

static int parse_enum(struct conf_ctx *c, json_t *body, const char *key, const char *const *names,
		      int n, int *out)
{
	const char *s;
	int rc = cj_str(c, body, key, &s);

	if (rc || !s)
		return rc;
	for (int i = 0; i < n; i++)
		if (strcasecmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	return err_set(c->e, -EBADMSG, "%s: unknown %s '%s'", c->where, key, s);
}

static const char *const conv_modes[] = { "Truncate", "Same", "Strict", "Causal" };
static const char *const pool_types[] = { "MAX", "AVG", "SUM", "PNORM" };
static const char *const bidir_modes[] = { "CONCAT", "ADD", "MUL", "AVERAGE" };

static int parse_conv_mode(struct conf_ctx *c, json_t *body, struct layer *l)
{
	int m = CM_TRUNCATE;
	const char *t;
	int rc = parse_enum(c, body, "convolutionMode", conv_modes, 4, &m);

	if (rc)
		return rc;
	if (!json_object_get(body, "convolutionMode")) {
		/* 0.5.0: "convolutionType": "VALID" / "SAME" */
		rc = cj_str(c, body, "convolutionType", &t);
		if (rc)
			return rc;
		if (t && strcasecmp(t, "SAME") == 0)
			m = CM_SAME;
	}
	l->conv_mode = (enum conv_mode)m;
	return 0;
}

static int parse_pool_type(struct conf_ctx *c, json_t *body, struct layer *l)
{
	int p = POOL_MAX;
	int rc = parse_enum(c, body, "poolingType", pool_types, 4, &p);

	l->pool = (enum pool_type)p;
	return rc;
}

/* ------------------------------------------------------------------ field groups */

static int dim_array(struct conf_ctx *c, json_t *body, const char *key, int nd, int64_t def,
		     int64_t *out)
{
	int64_t v[3];
	int n = 0, rc;

	for (int i = 0; i < nd; i++)
		out[i] = def;
	rc = cj_i64v(c, body, key, v, 3, &n);
	if (rc)
		return rc;
	/* 1-D layers store [k, 1] (or k); 2-D/3-D use as many entries as given */
	for (int i = 0; i < n && i < nd; i++)
		out[i] = v[i];
	if (n == 1 && nd > 1 && json_is_integer(json_object_get(body, key)))
		for (int i = 1; i < nd; i++)
			out[i] = v[0];
	return 0;
}

/* Kernel, stride, padding, dilation, mode, data format of conv / pooling layers. */
static int parse_conv_fields(struct conf_ctx *c, json_t *body, struct layer *l, int nd)
{
	int rc;

	l->nd = nd;
	rc = dim_array(c, body, "kernelSize", nd, -1, l->kernel);
	if (!rc)
		rc = dim_array(c, body, "stride", nd, 1, l->stride);
	if (!rc)
		rc = dim_array(c, body, "padding", nd, 0, l->pad);
	if (!rc)
		rc = dim_array(c, body, "dilation", nd, 1, l->dilation);
	if (!rc)
		rc = parse_conv_mode(c, body, l);
	return rc;
}

static int parse_data_format(struct conf_ctx *c, json_t *body, struct layer *l)
{
	static const char *const keys[] = { "dataFormat", "cnn2dDataFormat", "rnnDataFormat" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *s;
		int rc = cj_str(c, body, keys[i], &s);

		if (rc)
			return rc;
		if (s) {
			conf_strlcpy(l->data_format, s, sizeof(l->data_format));
			return 0;
		}
	}
	return 0;
}

static int parse_pooling(struct conf_ctx *c, json_t *body, struct layer *l, int nd)
{
	int rc = parse_conv_fields(c, body, l, nd);

	if (!rc)
		rc = parse_pool_type(c, body, l);
	if (!rc)
		rc = cj_f64(c, body, "pnorm", 2, &l->pnorm);
	if (!rc)
		rc = cj_f64(c, body, "eps", 1e-8, &l->eps);
	if (!rc)
		rc = cj_bool(c, body, "avgPoolIncludePadInDivisor", true, &l->avg_include_pad);
	return rc;
}

/* A 4- or 2-entry padding / cropping array; a single value applies to every side. */
static int parse_sides(struct conf_ctx *c, json_t *body, const char *key, int n, int64_t *out)
{
	int64_t v[6];
	int got = 0;
	int rc = cj_i64v(c, body, key, v, 6, &got);

	if (rc)
		return rc;
	if (got == 1) {
		for (int i = 0; i < n; i++)
			out[i] = v[0];
	} else if (got == n / 2 && n == 4) { /* [h, w]: symmetric */
		out[0] = out[1] = v[0];
		out[2] = out[3] = v[1];
	} else if (got == n) {
		memcpy(out, v, (size_t)n * sizeof(*v));
	} else if (got) {
		return err_set(c->e, -EBADMSG, "%s: \"%s\" has %d entries (expected %d)", c->where,
			       key, got, n);
	}
	return 0;
}

static int parse_global_pooling(struct conf_ctx *c, json_t *body, struct layer *l)
{
	int64_t d[4];
	int n = 0;
	int rc = parse_pool_type(c, body, l);

	if (!rc)
		rc = cj_f64(c, body, "pnorm", 2, &l->pnorm);
	if (!rc)
		rc = cj_bool(c, body, "collapseDimensions", true, &l->collapse);
	if (!rc)
		rc = cj_i64v(c, body, "poolingDimensions", d, 4, &n);
	if (rc)
		return rc;
	l->n_pool_dims = n;
	for (int i = 0; i < n; i++)
		l->pool_dims[i] = (int)(d[i] < -8 ? -8 : d[i] > 8 ? 8 : d[i]);
	return 0;
}

static int parse_batchnorm(struct conf_ctx *c, json_t *body, struct layer *l)
{
	int rc = cj_f64(c, body, "eps", 1e-5, &l->eps);

	if (!rc)
		rc = cj_f64(c, body, "decay", 0.9, &l->bn_decay);
	if (!rc)
		rc = cj_bool(c, body, "lockGammaBeta", false, &l->lock_gamma_beta);
	if (!rc)
		rc = cj_f64(c, body, "gamma", 1.0, &l->bn_gamma);
	if (!rc)
		rc = cj_f64(c, body, "beta", 0.0, &l->bn_beta);
	if (!rc)
		rc = cj_bool(c, body, "useLogStd", false, &l->use_log_std);
	return rc;
}

static int parse_lrn(struct conf_ctx *c, json_t *body, struct layer *l)
{
	int rc = cj_f64(c, body, "k", 2.0, &l->lrn_k);

	if (!rc)
		rc = cj_f64(c, body, "n", 5.0, &l->lrn_n);
	if (!rc)
		rc = cj_f64(c, body, "alpha", 1e-4, &l->lrn_alpha);
	if (!rc)
		rc = cj_f64(c, body, "beta", 0.75, &l->lrn_beta);
	return rc;
}

static int parse_prelu(struct conf_ctx *c, json_t *body, struct layer *l)
{
	int rc = cj_i64v(c, body, "inputShape", l->input_shape, 4, &l->n_input_shape);

	if (!rc)
		rc = cj_i64v(c, body, "sharedAxes", l->shared_axes, 4, &l->n_shared_axes);
	return rc;
}

/* Width of pXZ: the reconstruction distribution's input size for nIn inputs. */
static int vae_dist_width(struct conf_ctx *c, json_t *v, int64_t n_in, int depth, int64_t *out)
{
	const char *cls, *s;
	json_t *body, *sizes, *dists;
	bool is_class;
	int rc;

	*out = -1;
	if (!v || json_is_null(v) || n_in < 0)
		return 0;
	if (depth > CONF_MAX_DEPTH)
		return err_set(c->e, -EBADMSG, "%s: outputDistribution nested deeper than %d",
			       c->where, CONF_MAX_DEPTH);
	rc = conf_unwrap(c, v, "outputDistribution", &cls, &body, &is_class);
	if (rc)
		return rc;
	s = is_class ? conf_simple_name(cls) : cls;
	if (strncasecmp(s, "Gaussian", 8) == 0) {
		*out = n_in > INT64_MAX / 2 ? -1 : 2 * n_in;
	} else if (strncasecmp(s, "Composite", 9) == 0) {
		size_t i;
		int64_t sum = 0;

		sizes = json_object_get(body, "distributionSizes");
		dists = json_object_get(body, "reconstructionDistributions");
		if (!json_is_array(sizes) || !json_is_array(dists) ||
		    json_array_size(sizes) != json_array_size(dists))
			return err_set(c->e, -EBADMSG,
				       "%s: composite outputDistribution needs distributionSizes "
				       "and reconstructionDistributions of equal length",
				       c->where);
		for (i = 0; i < json_array_size(sizes); i++) {
			json_t *sz = json_array_get(sizes, i);
			int64_t w;

			if (!json_is_integer(sz) || json_integer_value(sz) < 0)
				return err_set(c->e, -EBADMSG,
					       "%s: distributionSizes[%zu] is not a count",
					       c->where, i);
			rc = vae_dist_width(c, json_array_get(dists, i), json_integer_value(sz),
					    depth + 1, &w);
			if (rc)
				return rc;
			if (w < 0 || !i64_add_ok(sum, w, &sum))
				return 0; /* unknown */
		}
		*out = sum;
	} else {
		*out = n_in; /* Bernoulli, Exponential, LossFunctionWrapper */
	}
	return 0;
}

static int parse_vae(struct conf_ctx *c, json_t *body, struct layer *l)
{
	int64_t buf[CONF_MAX_VAE_LAYERS];
	int n, rc;

	rc = cj_i64v(c, body, "encoderLayerSizes", buf, CONF_MAX_VAE_LAYERS, &n);
	if (rc)
		return rc;
	if (n) {
		l->enc_sizes = dl_malloc((size_t)n * sizeof(int64_t));
		if (!l->enc_sizes)
			return err_set(c->e, -ENOMEM, "out of memory");
		memcpy(l->enc_sizes, buf, (size_t)n * sizeof(int64_t));
		l->n_enc = n;
	}
	rc = cj_i64v(c, body, "decoderLayerSizes", buf, CONF_MAX_VAE_LAYERS, &n);
	if (rc)
		return rc;
	if (n) {
		l->dec_sizes = dl_malloc((size_t)n * sizeof(int64_t));
		if (!l->dec_sizes)
			return err_set(c->e, -ENOMEM, "out of memory");
		memcpy(l->dec_sizes, buf, (size_t)n * sizeof(int64_t));
		l->n_dec = n;
	}
	act_init(&l->pzx_act, ACT_IDENTITY, "");
	rc = parse_act(c, json_object_get(body, "pzxActivationFunction"), "pzxActivationFunction",
		       &l->pzx_act);
	if (!rc)
		rc = parse_act(c, json_object_get(body, "pzxActivationFn"), "pzxActivationFn",
			       &l->pzx_act);
	if (!rc)
		rc = vae_dist_width(c, json_object_get(body, "outputDistribution"), l->n_in, 0,
				    &l->pxz_width);
	return rc;
}

/* ------------------------------------------------------------------ wrappers */

static int parse_inner(struct conf_ctx *c, json_t *v, const char *key, struct layer **out,
		       int depth)
{
	char saved[sizeof(c->where)];
	int rc;

	if (!v || !json_is_object(v))
		return err_set(c->e, -EBADMSG, "%s: \"%s\" is missing or not an object", c->where,
			       key);
	*out = dl_calloc(1, sizeof(**out));
	if (!*out)
		return err_set(c->e, -ENOMEM, "out of memory");
	memcpy(saved, c->where, sizeof(saved));
	snprintf(c->where, sizeof(c->where), "%s %s", saved, key);
	rc = conf_parse_layer(c, v, *out, depth + 1);
	memcpy(c->where, saved, sizeof(saved));
	return rc;
}

static json_t *wrapped_layer(json_t *body, const char **key)
{
	json_t *v = json_object_get(body, "underlying");

	*key = "underlying";
	if (!v || json_is_null(v)) {
		v = json_object_get(body, "layer");
		*key = "layer";
	}
	return v;
}

/* Copies what the model needs from a wrapper's inner layer up to the wrapper. */
static int adopt_inner(struct conf_ctx *c, struct layer *l, const struct layer *in)
{
	if (l->n_in < 0)
		l->n_in = in->n_in;
	if (l->n_out < 0)
		l->n_out = in->n_out;
	l->act = in->act;
	l->gate_act = in->gate_act;
	if (!l->updater && in->updater) {
		l->updater = dl_strdup(in->updater);
		l->updater_cfg = in->updater_cfg ? dl_strdup(in->updater_cfg) : NULL;
		if (!l->updater || (in->updater_cfg && !l->updater_cfg))
			return err_set(c->e, -ENOMEM, "out of memory");
	}
	if (!l->bias_updater && in->bias_updater) {
		l->bias_updater = dl_strdup(in->bias_updater);
		l->bias_updater_cfg = in->bias_updater_cfg ? dl_strdup(in->bias_updater_cfg) : NULL;
		if (!l->bias_updater || (in->bias_updater_cfg && !l->bias_updater_cfg))
			return err_set(c->e, -ENOMEM, "out of memory");
	}
	return 0;
}

/* FrozenLayer / FrozenLayerWithBackprop: the wrapped layer takes the wrapper's place. DL4J
 * gives frozen parameters no updater (getUpdaterByParam is null / NoOp). */
static int parse_frozen(struct conf_ctx *c, json_t *v, json_t *body, struct layer *l, int depth)
{
	const char *key, *name = NULL;
	json_t *inner = wrapped_layer(body, &key);
	int rc;

	if (!inner || !json_is_object(inner))
		return err_set(c->e, -EBADMSG, "%s: frozen layer without a \"layer\" object",
			       c->where);
	rc = cj_str(c, body, "layerName", &name);
	if (!rc)
		rc = conf_parse_layer(c, inner, l, depth + 1);
	if (rc)
		return rc;
	l->frozen = true;
	if (name && !l->name) {
		l->name = dl_strdup(name);
		if (!l->name)
			return err_set(c->e, -ENOMEM, "out of memory");
	}
	dl_free(l->updater);
	dl_free(l->updater_cfg);
	dl_free(l->bias_updater);
	dl_free(l->bias_updater_cfg);
	l->bias_updater = l->bias_updater_cfg = NULL;
	l->updater = dl_strdup("NoOp");
	l->updater_cfg = dl_strdup("{\"@class\":\"org.nd4j.linalg.learning.config.NoOp\"}");
	dl_free(l->json);
	l->json = NULL;
	if (!l->updater || !l->updater_cfg)
		return err_set(c->e, -ENOMEM, "out of memory");
	return conf_dump(c, v, false, &l->json);
}

/* ------------------------------------------------------------------ layer */

static bool is_frozen_class(const char *cls, bool is_class)
{
	const char *s = is_class ? conf_simple_name(cls) : cls;

	return is_dl4j_layer_class(cls, is_class) &&
	       (strcmp(s, "FrozenLayer") == 0 || strcmp(s, "FrozenLayerWithBackprop") == 0);
}

static int parse_common(struct conf_ctx *c, json_t *body, struct layer *l)
{
	const char *name;
	int rc;

	rc = cj_i64(c, body, "nin", -1, &l->n_in);
	if (!rc)
		rc = cj_i64(c, body, "nout", -1, &l->n_out);
	if (rc)
		return rc;
	if (l->n_in < -1 || l->n_out < -1)
		return err_set(c->e, -EBADMSG, "%s: negative nin/nout (%lld, %lld)", c->where,
			       (long long)l->n_in, (long long)l->n_out);
	rc = cj_str(c, body, "layerName", &name);
	if (rc)
		return rc;
	if (name) {
		l->name = dl_strdup(name);
		if (!l->name)
			return err_set(c->e, -ENOMEM, "out of memory");
	}
	rc = parse_act(c, json_object_get(body, "activationFunction"), "activationFunction",
		       &l->act);
	if (!rc)
		rc = parse_act(c, json_object_get(body, "activationFn"), "activationFn", &l->act);
	if (!rc)
		rc = parse_act(c, json_object_get(body, "gateActivationFn"), "gateActivationFn",
			       &l->gate_act);
	if (!rc)
		rc = cj_bool(c, body, "hasBias", true, &l->has_bias);
	if (!rc)
		rc = cj_bool(c, body, "hasLayerNorm", false, &l->has_layer_norm);
	if (!rc)
		rc = parse_loss(c, body, l);
	if (!rc)
		rc = parse_updater(c, body, l);
	if (!rc)
		rc = parse_data_format(c, body, l);
	return rc;
}

/* An object that is a layer in either dialect: "@class" or one known wrapper key. */
static bool looks_like_layer(json_t *v)
{
	enum layer_kind k;
	const char *key;

	if (!json_is_object(v))
		return false;
	if (json_is_string(json_object_get(v, "@class")))
		return true;
	if (json_object_size(v) != 1)
		return false;
	key = json_object_iter_key(json_object_iter(v));
	return json_is_object(json_object_get(v, key)) &&
	       (lookup_layer_kind(key, false, &k) == 0 || is_frozen_class(key, false));
}

static int parse_kind_fields(struct conf_ctx *c, json_t *body, struct layer *l, int depth)
{
	const char *key;
	int m = BI_CONCAT;
	int rc = 0;

	switch (l->kind) {
	case LK_CONV1D:
		return parse_conv_fields(c, body, l, 1);
	case LK_CONV2D:
	case LK_DECONV2D:
		return parse_conv_fields(c, body, l, 2);
	case LK_SEPCONV2D:
	case LK_DWCONV2D:
		rc = parse_conv_fields(c, body, l, 2);
		if (!rc)
			rc = cj_i64(c, body, "depthMultiplier", 1, &l->depth_mult);
		if (!rc && l->depth_mult < 1)
			rc = err_set(c->e, -EBADMSG, "%s: depthMultiplier %lld is not positive",
				     c->where, (long long)l->depth_mult);
		return rc;
	case LK_CONV3D:
		return parse_conv_fields(c, body, l, 3);
	case LK_SUBSAMPLING1D:
		return parse_pooling(c, body, l, 1);
	case LK_SUBSAMPLING2D:
		return parse_pooling(c, body, l, 2);
	case LK_SUBSAMPLING3D:
		return parse_pooling(c, body, l, 3);
	case LK_GLOBAL_POOLING:
		return parse_global_pooling(c, body, l);
	case LK_UPSAMPLING1D:
		l->nd = 1;
		return dim_array(c, body, "size", 1, 1, l->up_size);
	case LK_UPSAMPLING2D:
		l->nd = 2;
		return dim_array(c, body, "size", 2, 1, l->up_size);
	case LK_ZEROPAD1D:
		l->nd = 1;
		return parse_sides(c, body, "padding", 2, l->zpad);
	case LK_ZEROPAD2D:
		l->nd = 2;
		return parse_sides(c, body, "padding", 4, l->zpad);
	case LK_CROPPING1D:
		l->nd = 1;
		return parse_sides(c, body, "cropping", 2, l->crop);
	case LK_CROPPING2D:
		l->nd = 2;
		return parse_sides(c, body, "cropping", 4, l->crop);
	case LK_BATCHNORM:
		return parse_batchnorm(c, body, l);
	case LK_LRN:
		return parse_lrn(c, body, l);
	case LK_PRELU:
		return parse_prelu(c, body, l);
	case LK_VAE:
		return parse_vae(c, body, l);
	case LK_BIDIRECTIONAL:
		rc = parse_enum(c, body, "mode", bidir_modes, 4, &m);
		l->bidir = (enum bidir_mode)m;
		if (!rc)
			rc = parse_inner(c, json_object_get(body, "fwd"), "fwd", &l->fwd, depth);
		if (!rc)
			rc = parse_inner(c, json_object_get(body, "bwd"), "bwd", &l->bwd, depth);
		if (!rc)
			rc = adopt_inner(c, l, l->fwd);
		return rc;
	case LK_MASK_ZERO:
		rc = cj_f64(c, body, "maskingValue", 0.0, &l->mask_value);
		/* fall through */
	case LK_LAST_TIME_STEP:
		if (!rc)
			rc = parse_inner(c, wrapped_layer(body, &key), "underlying", &l->fwd,
					 depth);
		if (!rc)
			rc = adopt_inner(c, l, l->fwd);
		return rc;
	case LK_OPAQUE: {
		/* unknown wrappers (TimeDistributed, ...) keep their inner layer for the layout */
		json_t *in = wrapped_layer(body, &key);

		if (looks_like_layer(in)) {
			rc = parse_inner(c, in, "underlying", &l->fwd, depth);
			if (!rc)
				rc = adopt_inner(c, l, l->fwd);
		}
		return rc;
	}
	default:
		return 0;
	}
}

/* A class we do not know may use the common field names for anything: what reads as
 * usual is kept, the rest is ignored, so that an unknown layer is never an error. An
 * inner layer that cannot be read is demoted to opaque. */
static int parse_opaque(struct conf_ctx *c, json_t *body, struct layer *l, int depth)
{
	struct err scratch = { 0 }, *e = c->e;
	int rc;

	c->e = &scratch;
	rc = parse_common(c, body, l);
	if (!rc)
		rc = parse_kind_fields(c, body, l, depth);
	c->e = e;
	if (rc == -ENOMEM)
		return err_set(e, -ENOMEM, "out of memory");
	if (rc && l->fwd)
		l->fwd->kind = LK_OPAQUE;
	return 0;
}

int conf_parse_layer(struct conf_ctx *c, json_t *v, struct layer *l, int depth)
{
	const char *cls;
	json_t *body;
	bool is_class;
	enum layer_kind kind = LK_OPAQUE;
	int rc;

	if (depth > CONF_MAX_DEPTH)
		return err_set(c->e, -EBADMSG, "%s: layers nested deeper than %d", c->where,
			       CONF_MAX_DEPTH);
	rc = conf_unwrap(c, v, "layer", &cls, &body, &is_class);
	if (rc)
		return rc;
	if (is_class)
		c->saw_class = true;
	if (is_frozen_class(cls, is_class))
		return parse_frozen(c, v, body, l, depth);
	lookup_layer_kind(cls, is_class, &kind);

	l->kind = kind;
	l->n_in = l->n_out = -1;
	l->has_bias = true;
	act_init(&l->act, ACT_IDENTITY, "");
	act_init(&l->gate_act, ACT_SIGMOID, "");
	l->avg_include_pad = true;
	l->depth_mult = 1;
	l->pnorm = 2;
	l->pxz_width = -1;
	l->cls = dl_strdup(cls);
	if (!l->cls)
		return err_set(c->e, -ENOMEM, "out of memory");

	if (kind == LK_OPAQUE)
		rc = parse_opaque(c, body, l, depth);
	else
		rc = parse_common(c, body, l);
	if (!rc && kind != LK_OPAQUE)
		rc = parse_kind_fields(c, body, l, depth);
	if (!rc)
		rc = conf_dump(c, v, false, &l->json);
	return rc;
}

/* ------------------------------------------------------------------ preprocessors */

static const struct {
	const char *name; /* simple class name or legacy key */
	enum preproc_kind kind;
} pre_names[] = {
	{ "CnnToFeedForwardPreProcessor", PP_CNN_TO_FF },
	{ "cnnToFeedForward", PP_CNN_TO_FF },
	{ "FeedForwardToCnnPreProcessor", PP_FF_TO_CNN },
	{ "feedForwardToCnn", PP_FF_TO_CNN },
	{ "RnnToFeedForwardPreProcessor", PP_RNN_TO_FF },
	{ "rnnToFeedForward", PP_RNN_TO_FF },
	{ "FeedForwardToRnnPreProcessor", PP_FF_TO_RNN },
	{ "feedForwardToRnn", PP_FF_TO_RNN },
	{ "CnnToRnnPreProcessor", PP_CNN_TO_RNN },
	{ "cnnToRnn", PP_CNN_TO_RNN },
	{ "RnnToCnnPreProcessor", PP_RNN_TO_CNN },
	{ "rnnToCnn", PP_RNN_TO_CNN },
	{ "Cnn3DToFeedForwardPreProcessor", PP_CNN3D_TO_FF },
	{ "FeedForwardToCnn3DPreProcessor", PP_FF_TO_CNN3D },
	{ "ComposableInputPreProcessor", PP_COMPOSABLE },
	{ "composableInput", PP_COMPOSABLE },
};

#define CLASS_KERAS_RESHAPE                                                                        \
	"org.deeplearning4j.nn.modelimport.keras.preprocessors.ReshapePreprocessor"

static enum preproc_kind lookup_preproc(const char *cls, bool is_class)
{
	const char *s = cls;

	if (is_class) {
		if (strcmp(cls, CLASS_KERAS_RESHAPE) == 0)
			return PP_RESHAPE;
		if (!has_prefix(cls, CLASS_PREFIX_PRE))
			return PP_UNKNOWN;
		s = conf_simple_name(cls);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pre_names); i++)
		if (strcmp(pre_names[i].name, s) == 0)
			return pre_names[i].kind;
	return PP_UNKNOWN;
}

static int parse_composable(struct conf_ctx *c, json_t *body, struct preproc *p, int depth)
{
	json_t *arr = json_object_get(body, "inputPreProcessors");
	size_t n;
	int rc;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return err_set(c->e, -EBADMSG, "%s: composable inputPreProcessors is not an array",
			       c->where);
	n = json_array_size(arr);
	if (n > CONF_MAX_LAYERS)
		return err_set(c->e, -EBADMSG, "%s: %zu composed preprocessors (at most %d)",
			       c->where, n, CONF_MAX_LAYERS);
	if (!n)
		return 0;
	p->sub = dl_calloc(n, sizeof(*p->sub));
	if (!p->sub)
		return err_set(c->e, -ENOMEM, "out of memory");
	p->n_sub = (int)n;
	for (size_t i = 0; i < n; i++) {
		rc = conf_parse_preproc(c, json_array_get(arr, i), &p->sub[i], depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

int conf_parse_preproc(struct conf_ctx *c, json_t *v, struct preproc *p, int depth)
{
	const char *cls, *fmt = NULL;
	json_t *body;
	bool is_class, ncdhw;
	int rc, n = 0;

	if (depth > CONF_MAX_DEPTH)
		return err_set(c->e, -EBADMSG, "%s: preprocessors nested deeper than %d", c->where,
			       CONF_MAX_DEPTH);
	rc = conf_unwrap(c, v, "preprocessor", &cls, &body, &is_class);
	if (rc)
		return rc;
	if (is_class)
		c->saw_class = true;
	p->kind = lookup_preproc(cls, is_class);
	conf_strlcpy(p->name, cls, sizeof(p->name));
	rc = cj_i64(c, body, "inputHeight", -1, &p->height);
	if (!rc)
		rc = cj_i64(c, body, "inputWidth", -1, &p->width);
	if (!rc)
		rc = cj_i64(c, body, "numChannels", -1, &p->channels);
	if (!rc)
		rc = cj_i64(c, body, "inputDepth", -1, &p->depth);
	if (rc)
		return rc;
	/* "format" (CNN2DFormat) or "rnnDataFormat"; Cnn3D: boolean isNCDHW */
	if (json_is_string(json_object_get(body, "format")))
		fmt = json_string_value(json_object_get(body, "format"));
	else if (json_is_string(json_object_get(body, "rnnDataFormat")))
		fmt = json_string_value(json_object_get(body, "rnnDataFormat"));
	if (fmt) {
		conf_strlcpy(p->format, fmt, sizeof(p->format));
	} else if (json_object_get(body, "isNCDHW")) {
		rc = cj_bool(c, body, "isNCDHW", true, &ncdhw);
		if (rc)
			return rc;
		conf_strlcpy(p->format, ncdhw ? "NCDHW" : "NDHWC", sizeof(p->format));
	}
	switch (p->kind) {
	case PP_COMPOSABLE:
		return parse_composable(c, body, p, depth);
	case PP_RESHAPE:
		rc = cj_i64v(c, body, "targetShape", p->shape, TENSOR_MAX_RANK, &n);
		p->rank = n;
		return rc;
	default:
		return 0;
	}
}
