"""The synthesis methods: sequential CART (`cart`), Gaussian copula (`copula`), independent marginals
(`marginal`), and what they share (`common`). `synthesis.synthesise_steps` dispatches to them."""
