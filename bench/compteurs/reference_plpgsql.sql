-- THE REFERENCE A DBA WOULD WRITE (baseline of bench/compteurs.sh, not part of
-- the extension): PL/pgSQL row triggers keeping the same counters
-- (flux_mgmt.compteur, compteur_bilan and compteur_moteur, tranche 0) with
-- INSERT … ON CONFLICT DO UPDATE, one event at a time.  It follows the same rules for the paths the
-- benchmark exercises (new vacancy → orientation → attribution, orientations
-- loaded with their outcome) and keeps the charge of each vacancy in a side
-- table to charge it once; it checks no rule.
SET search_path = flux_mgmt, public;

CREATE TABLE public.ref_decompte (vacance_id bigint PRIMARY KEY);

CREATE FUNCTION public.ref_ajouter(b text, c flux_mgmt.code_insee, a int, r text, s flux_mgmt.motif_soustraction, f boolean,
	typo text, fin flux_mgmt.financement, q boolean, per text,
	en_cours int, attribuees int, carences int, echecs int, retirees int, decomptes int,
	baux int, hors_qpv int, q1 int, q234 int, prio int, imputees int DEFAULT 0) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO flux_mgmt.compteur AS t VALUES (b, c, a, r, s, f, 0, en_cours, attribuees, carences, echecs, retirees,
		decomptes, baux, hors_qpv, q1, q234, prio, imputees)
	ON CONFLICT (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche) DO UPDATE SET
		en_cours = t.en_cours + excluded.en_cours, attribuees = t.attribuees + excluded.attribuees,
		carences = t.carences + excluded.carences, echecs = t.echecs + excluded.echecs,
		retirees = t.retirees + excluded.retirees, decomptes = t.decomptes + excluded.decomptes,
		baux = t.baux + excluded.baux, hors_qpv = t.hors_qpv + excluded.hors_qpv,
		q1_hors_qpv = t.q1_hors_qpv + excluded.q1_hors_qpv, q234_en_qpv = t.q234_en_qpv + excluded.q234_en_qpv,
		prioritaires = t.prioritaires + excluded.prioritaires, imputees = t.imputees + excluded.imputees;
	IF f THEN
		INSERT INTO flux_mgmt.compteur_bilan AS t VALUES (b, c, a, r, typo, fin, q, per, 0,
			en_cours + attribuees + carences + echecs + retirees, baux)
		ON CONFLICT (bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, tranche) DO UPDATE SET
			proposes = t.proposes + excluded.proposes, attribues = t.attribues + excluded.attribues;
		INSERT INTO flux_mgmt.compteur_moteur AS t VALUES (b, a, flux_mgmt.departement(c), r, 0, imputees,
			en_cours + attribuees + carences + echecs + retirees,
			CASE WHEN q THEN 0 ELSE en_cours + attribuees + carences + echecs + retirees END)
		ON CONFLICT (bailleur, annee, departement, reservataire, tranche) DO UPDATE SET
			imputees = t.imputees + excluded.imputees, proposes = t.proposes + excluded.proposes,
			proposes_hors_qpv = t.proposes_hors_qpv + excluded.proposes_hors_qpv;
	END IF;
END $$;

CREATE FUNCTION public.ref_orientation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	l record; mode flux_mgmt.mode_decompte; f boolean; signe int; o flux_mgmt.orientation;
BEGIN
	FOREACH signe IN ARRAY CASE TG_OP WHEN 'INSERT' THEN '{1}'::int[] WHEN 'DELETE' THEN '{-1}' ELSE '{-1,1}' END LOOP
		o := CASE WHEN signe < 0 THEN OLD ELSE NEW END;
		SELECT lg.*, v.date_liberation INTO l FROM flux_mgmt.vacance v JOIN flux_mgmt.logement lg ON lg.id = v.logement_id
		WHERE v.id = o.vacance_id;
		f := l.regime = 'flux' AND o.soustraction IS NULL;
		PERFORM public.ref_ajouter(l.bailleur, l.commune, extract(year FROM o.date_orientation)::int, o.reservataire, o.soustraction, f,
			flux_mgmt.typologie(l.nb_pieces), l.financement, l.qpv, flux_mgmt.periode_construction(l.annee_construction),
			signe * (o.issue = 'en_cours')::int, signe * (o.issue = 'attribuee')::int, signe * (o.issue = 'carence')::int,
			signe * (o.issue = 'echec')::int, signe * (o.issue = 'retiree')::int, 0, 0, 0, 0, 0, 0);
		-- the engine's count, in the vacancy's year: the vacancy's one orientation
		-- (the benchmark's), charged by it or open
		IF f THEN
			mode := CASE WHEN o.reservataire IS NULL THEN 'bail'
						 ELSE (SELECT c.mode_decompte FROM flux_mgmt.convention_de(l.bailleur, o.reservataire, l.commune, o.date_orientation) c) END;
			IF o.issue IN ('en_cours', 'attribuee') OR (mode = 'orientation' AND o.issue <> 'retiree')
			   OR (mode = 'mixte' AND o.issue = 'carence') THEN
				PERFORM public.ref_ajouter(l.bailleur, l.commune, extract(year FROM l.date_liberation)::int, o.reservataire, o.soustraction, f,
					flux_mgmt.typologie(l.nb_pieces), l.financement, l.qpv, flux_mgmt.periode_construction(l.annee_construction),
					0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, signe);
			END IF;
		END IF;
	END LOOP;
	-- charged when oriented (orientation mode, unless withdrawn), or at a
	-- carence (mixte), if the vacancy is not yet
	IF TG_OP IN ('INSERT', 'UPDATE') AND f AND NEW.reservataire IS NOT NULL THEN
		SELECT c.mode_decompte INTO mode FROM flux_mgmt.convention_de(l.bailleur, NEW.reservataire, l.commune, NEW.date_orientation) c;
		IF (mode = 'orientation' AND NEW.issue <> 'retiree') OR (mode = 'mixte' AND NEW.issue = 'carence') THEN
			INSERT INTO public.ref_decompte VALUES (NEW.vacance_id) ON CONFLICT DO NOTHING;
			IF FOUND THEN
				PERFORM public.ref_ajouter(l.bailleur, l.commune,
					extract(year FROM CASE WHEN mode = 'mixte' THEN NEW.date_issue ELSE NEW.date_orientation END)::int,
					NEW.reservataire, NULL, true,
					flux_mgmt.typologie(l.nb_pieces), l.financement, l.qpv, flux_mgmt.periode_construction(l.annee_construction),
					0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0);
			END IF;
		END IF;
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION public.ref_attribution() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	o flux_mgmt.orientation; l record; mode flux_mgmt.mode_decompte; f boolean;
BEGIN
	SELECT * INTO o FROM flux_mgmt.orientation WHERE id = NEW.orientation_id;
	UPDATE flux_mgmt.orientation SET issue = 'attribuee', date_issue = NEW.date_bail WHERE id = o.id;
	SELECT lg.* INTO l FROM flux_mgmt.vacance v JOIN flux_mgmt.logement lg ON lg.id = v.logement_id WHERE v.id = o.vacance_id;
	f := l.regime = 'flux' AND o.soustraction IS NULL;
	IF NEW.date_bail IS NOT NULL THEN
		PERFORM public.ref_ajouter(l.bailleur, l.commune, extract(year FROM NEW.date_bail)::int, o.reservataire, o.soustraction, f,
			flux_mgmt.typologie(l.nb_pieces), l.financement, l.qpv, flux_mgmt.periode_construction(l.annee_construction),
			0, 0, 0, 0, 0, 0, 1, (NOT l.qpv)::int, (NOT l.qpv AND (NEW.premier_quartile OR NEW.relogement_renouvellement))::int,
			(l.qpv AND NOT NEW.premier_quartile)::int, (NEW.dalo OR NEW.prioritaire)::int);
		IF f THEN
			SELECT coalesce(c.mode_decompte, 'bail') INTO mode
			FROM (SELECT 1) x LEFT JOIN flux_mgmt.convention_de(l.bailleur, o.reservataire, l.commune, o.date_orientation) c ON true;
			IF mode IN ('bail', 'mixte') THEN
				INSERT INTO public.ref_decompte VALUES (o.vacance_id) ON CONFLICT DO NOTHING;
				IF FOUND THEN
					PERFORM public.ref_ajouter(l.bailleur, l.commune, extract(year FROM NEW.date_bail)::int, o.reservataire, NULL, true,
						flux_mgmt.typologie(l.nb_pieces), l.financement, l.qpv, flux_mgmt.periode_construction(l.annee_construction),
						0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0);
				END IF;
			END IF;
		END IF;
	END IF;
	RETURN NULL;
END $$;

-- the extension's own triggers off on the event tables, the reference on
ALTER TABLE flux_mgmt.vacance DISABLE TRIGGER USER;
ALTER TABLE flux_mgmt.orientation DISABLE TRIGGER USER;
ALTER TABLE flux_mgmt.attribution DISABLE TRIGGER USER;
CREATE TRIGGER ref_orientation AFTER INSERT OR UPDATE OR DELETE ON flux_mgmt.orientation
	FOR EACH ROW EXECUTE FUNCTION public.ref_orientation();
CREATE TRIGGER ref_attribution AFTER INSERT ON flux_mgmt.attribution
	FOR EACH ROW EXECUTE FUNCTION public.ref_attribution();
