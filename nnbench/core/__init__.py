"""The core: the network, its exact derivatives, the cost interface, and the fit at the trained weights.

Knows no optimizer, no plugin and no results file. :mod:`~nnbench.core.activations`,
:mod:`~nnbench.core.losses` (computed from the output pre-activation),
:mod:`~nnbench.core.network` (layout, forward pass, backpropagation, Pearlmutter's
Hessian-vector product, residual Jacobian; :class:`~nnbench.core.network.NetworkSpec`),
:mod:`~nnbench.core.objective` (a network bound to data and a loss: the cost interface every
trainer sees), :mod:`~nnbench.core.fit` (Pearson r, R^2, MSE, class accuracy at given weights).
"""
