-- flux_mgmt install script, part 90_exports: exports.
--
-- export_reservataire: one réservataire's figures as jsonb.
-- (sql/src/*.sql are concatenated in name order into the install script.)

CREATE FUNCTION flux_mgmt.export_reservataire(qui flux_mgmt.portee, bailleur text, reservataire text, annee integer) RETURNS jsonb
	-- as the owner (its forecast reads the landlord's rows in full), for a
	-- scope of the landlord's staff or of the réservataire itself
	LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	d text;
	previsions jsonb := '[]';
	part jsonb;
	message text;
BEGIN
	PERFORM exiger_bailleur(bailleur);
	IF NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire) THEN
		PERFORM refuser(format('unknown réservataire %L', reservataire), NULL,
						'Give the code of a row of flux_mgmt.reservataire.', 'foreign_key_violation');
	END IF;
	IF NOT (lit_bailleur(portee_sure(qui), bailleur) OR lit_reservataire(portee_sure(qui), bailleur, reservataire)) THEN
		PERFORM refuser(format('role %s may not read the figures of réservataire %L with landlord %L', (qui).role, reservataire, bailleur),
						'Its profiles (flux_mgmt.portee()) include neither that landlord''s staff nor that réservataire for it.',
						'Ask the owner for a profile: flux_mgmt.accorder_profil(role, ''reservataire'', bailleur, reservataire => code).',
						'insufficient_privilege');
	END IF;
	IF annee NOT BETWEEN 1900 AND 2199 THEN
		PERFORM refuser(format('year %s in export_reservataire is out of range', annee), NULL,
						'Give the calendar year reported on, such as 2025.', 'invalid_parameter_value');
	END IF;
	IF NOT EXISTS (SELECT FROM convention c
				   WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
					 AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee)
	   AND NOT EXISTS (SELECT FROM compteur k
					   WHERE k.bailleur = export_reservataire.bailleur AND k.annee = export_reservataire.annee
						 AND k.reservataire = export_reservataire.reservataire) THEN
		PERFORM refuser(
			format('réservataire %L has nothing with landlord %L in %s', reservataire, bailleur, annee),
			'It has no convention with the landlord in force that year or the next, and nothing was oriented or leased to it that year.',
			'Check the year and the réservataire: flux_mgmt.convention lists its conventions.',
			'foreign_key_violation');
	END IF;
	-- the forecast of the next year where it has a convention then
	FOR d IN SELECT DISTINCT c.departement FROM convention c
			 WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
			   AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee + 1
			 ORDER BY 1 LOOP
		BEGIN
			SELECT jsonb_build_object('departement', d, 'annee', annee + 1, 'taux', p.taux, 'droit', p.droit, 'droit_entier', p.droit_entier)
			INTO part
			FROM parts_annuelles(bailleur, d, annee + 1) AS p WHERE p.reservataire = export_reservataire.reservataire;
		EXCEPTION WHEN foreign_key_violation OR check_violation OR numeric_value_out_of_range THEN
			GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
			part := jsonb_build_object('departement', d, 'annee', annee + 1, 'erreur', neutraliser_controles(message));
		END;
		previsions := previsions || jsonb_build_array(part);
	END LOOP;
	RETURN jsonb_build_object(
		'format', 'flux_mgmt.export_reservataire 1',
		-- the names as the report shows them: no control character, no bidirectional override
		'bailleur', (SELECT jsonb_build_object('code', neutraliser_controles(b.code), 'nom', neutraliser_controles(b.nom), 'siren', b.siren)
					 FROM flux_mgmt.bailleur b WHERE b.code = export_reservataire.bailleur),
		'reservataire', (SELECT jsonb_build_object('code', neutraliser_controles(r.code), 'nom', neutraliser_controles(r.nom), 'type', r.type)
						 FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire),
		'annee', annee,
		'atteinte', coalesce((
			SELECT jsonb_agg(jsonb_build_object('departement', x.d, 'taux', a.taux, 'flux_realise', a.flux_realise, 'droit', a.droit,
												'decomptes', a.decomptes, 'ecart', a.ecart, 'en_cours', a.en_cours, 'carences', a.carences,
												'gestion', c.gestion)
							 ORDER BY x.d)
			FROM departements_du_rapport(bailleur, annee) AS x(d)
			CROSS JOIN LATERAL atteinte_annuelle(bailleur, x.d, annee) AS a
			LEFT JOIN LATERAL conventions_en_vigueur(bailleur, x.d, annee) AS v ON v.reservataire = a.reservataire
			LEFT JOIN convention c ON c.id = v.id
			WHERE a.reservataire = export_reservataire.reservataire), '[]'),
		'bilan', coalesce((
			SELECT jsonb_agg(jsonb_build_object('commune', x.commune, 'typologie', x.typologie, 'financement', x.financement,
												'qpv', x.qpv, 'periode_construction', x.periode_construction,
												'logements_proposes', x.logements_proposes, 'logements_attribues', x.logements_attribues)
							 ORDER BY x.commune, x.typologie, x.financement, x.qpv, x.periode_construction)
			FROM bilan_annuel x
			WHERE x.bailleur = export_reservataire.bailleur AND x.annee = export_reservataire.annee
			  AND x.reservataire = export_reservataire.reservataire), '[]'),
		'objectifs', coalesce((
			SELECT jsonb_agg(jsonb_build_object('objectif', o.objectif, 'numerateur', o.numerateur, 'denominateur', o.denominateur,
												'cible', o.cible, 'taux', o.taux, 'manque', o.manque))
			FROM objectifs_attribution o
			WHERE o.bailleur = export_reservataire.bailleur AND o.annee = export_reservataire.annee
			  AND o.reservataire = export_reservataire.reservataire), '[]'),
		'flux_previsionnel_suivant', previsions,
		-- social mix (DOMAIN §3.9): how its orientations spread over the landlord's residences
		'mixite', jsonb_build_object(
			'indices', coalesce((
				SELECT jsonb_agg(jsonb_build_object('departement', i.departement, 'echelle', i.echelle, 'annee_debut', i.annee_debut,
													'annee_fin', i.annee_fin, 'unites', i.unites, 'orientations', i.effectif, 'indice', i.indice)
								 ORDER BY i.departement COLLATE "C", i.echelle, i.annee_debut DESC)
				FROM indices_dissimilarite(export_reservataire.bailleur, export_reservataire.annee) AS i
				WHERE i.population = 'orientations' AND i.reservataire = export_reservataire.reservataire), '[]'),
			'programmes_identifies', coalesce((
				SELECT jsonb_agg(jsonb_build_object('departement', i.departement, 'programme', neutraliser_controles(i.programme),
													'annee_debut', i.annee_debut, 'annee_fin', i.annee_fin, 'vacances', i.vacances,
													'orientations', i.orientations_reservataire, 'part_programme', i.part_programme,
													'part_flux', i.part_flux)
								 ORDER BY i.departement COLLATE "C", i.programme COLLATE "C", i.annee_debut DESC)
				FROM identification_programmes(export_reservataire.bailleur, export_reservataire.annee) AS i
				WHERE i.identifie AND i.reservataire = export_reservataire.reservataire), '[]')));
END
$$;
COMMENT ON FUNCTION flux_mgmt.export_reservataire(flux_mgmt.portee, text, text, integer) IS
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département (with its convention''s gestion, directe or deleguee; null without a convention in force), the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed), and mixite: the index of dissimilarity of its orientations over the landlord''s programmes and segments (the year, and the three years ending with it) and the programmes identified with it (indices_dissimilarite, identification_programmes); names and messages without control characters or bidirectional overrides (neutraliser_controles); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503); for a scope qui (one portee() issued in this transaction) of the landlord''s staff or that réservataire (42501 otherwise), as the owner';

CREATE FUNCTION flux_mgmt.export_reservataire(bailleur text, reservataire text, annee integer) RETURNS jsonb
	LANGUAGE sql STABLE STRICT
RETURN flux_mgmt.export_reservataire(flux_mgmt.portee(), bailleur, reservataire, annee);
COMMENT ON FUNCTION flux_mgmt.export_reservataire(text, text, integer) IS
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département (with its convention''s gestion, directe or deleguee; null without a convention in force), the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed), and mixite: the index of dissimilarity of its orientations over the landlord''s programmes and segments (the year, and the three years ending with it) and the programmes identified with it (indices_dissimilarite, identification_programmes); names and messages without control characters or bidirectional overrides (neutraliser_controles); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503); for the landlord''s staff or that réservataire (42501 otherwise): export_reservataire(portee(), …), which runs as the owner';
